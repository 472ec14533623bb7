// Cheap checks for `packettrail doctor` and `--source auto`: can the ebpf tier run here?
import fs from 'node:fs';
import { BpfObject } from './bpf-object';
import { loadLibbpf } from './libbpf';
import { defaultBpfObjectPath } from './object-path';
import type { ProbeResult } from '../probe';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Effective capabilities from /proc/self/status, or undefined when unreadable. */
export function effectiveCaps(statusText: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(statusText);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

function hasBpfCaps(): boolean {
  let caps: bigint | undefined;
  try {
    caps = effectiveCaps(fs.readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return process.getuid?.() === 0;
  }
  if (caps === undefined) return process.getuid?.() === 0;
  const has = (bit: bigint) => (caps! >> bit) & 1n;
  return has(CAP_SYS_ADMIN) === 1n || (has(CAP_BPF) === 1n && has(CAP_PERFMON) === 1n);
}

export function probeEbpf(opts: { bpfObjectPath?: string } = {}): ProbeResult {
  if (process.platform !== 'linux') return { works: false, reason: 'eBPF needs Linux' };
  if (!hasBpfCaps()) return { works: false, reason: 'needs root or CAP_BPF + CAP_PERFMON' };
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) {
    return { works: false, reason: 'kernel has no BTF (/sys/kernel/btf/vmlinux missing): CO-RE programs cannot load' };
  }
  const objectPath = opts.bpfObjectPath ?? defaultBpfObjectPath();
  if (!fs.existsSync(objectPath)) {
    return { works: false, reason: `BPF object ${objectPath} not built: run scripts/build-bpf.sh` };
  }
  let lib: ReturnType<typeof loadLibbpf>;
  try {
    lib = loadLibbpf();
  } catch (err) {
    return { works: false, reason: `libbpf.so.1 not loadable (install libbpf1): ${(err as Error).message}` };
  }
  // A real load through the verifier (nothing attached); libbpf's own chatter is muted.
  const previous = lib.setPrint(null);
  try {
    BpfObject.load(lib, { objectPath, ringBufferBytes: 4096 }).close();
  } catch (err) {
    return { works: false, reason: `BPF load failed: ${(err as Error).message}` };
  } finally {
    lib.setPrint(previous);
  }
  return { works: true, reason: `loads ${objectPath} (CO-RE, libbpf1, BTF)` };
}
