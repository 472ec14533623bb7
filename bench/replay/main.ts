// npm run bench:replay — the ebpf tier's user-space path on real kernel records, without the
// noise of a shared machine: the BPF programs record a load generator's short-lived
// connections (fork+exec by default) into memory, then those very ring records are decoded and
// sent through the real pipeline (process table, attribution, UDP flows) into the real ECS
// JSON-lines file sink, several times, in one process with nothing else running. Baseline in
// the same run: decoding the same records alone. A/B comparisons of two builds are steadier
// here (±5 %) than with the live sensor sharing two cores with the load generator (±15 %).
//
// Usage: node dist/bench/replay/main.js [--mode exec|fork] [--rate 1000] [--seconds 5] [--passes 8]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BpfObject } from '../../src/capture/ebpf/bpf-object';
import { kernelClockNow, RecordDecoder, type DecodedEvents } from '../../src/capture/ebpf/decode-record';
import { loadLibbpf } from '../../src/capture/ebpf/libbpf';
import { defaultBpfObjectPath } from '../../src/capture/ebpf/object-path';
import { RingReader } from '../../src/capture/ebpf/ring-reader';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { ProcessEvent } from '../../src/core/stages';
import { buildLoadgen } from '../capture/build-loadgen';
import { runLoadgen } from '../capture/run-loadgen';
import { startEcsFilePipeline } from '../pipeline/ecs-file-pipeline';

/** Records as the ring held them: offsets and lengths into one buffer. */
interface Capture {
  bytes: Buffer;
  at: number[];
  len: number[];
  connections: number;
}

async function capture(mode: 'exec' | 'fork', rate: number, seconds: number, workDir: string): Promise<Capture> {
  const loadgen = buildLoadgen();
  const obj = BpfObject.load(loadLibbpf(), { objectPath: defaultBpfObjectPath(), ringBufferBytes: 8 << 20, ignorePid: process.pid });
  const ring = new RingReader(obj.ringFd, obj.ringBytes);
  const chunks: Buffer[] = [];
  const keep = (bytes: Uint8Array, _view: DataView, at: number, len: number): void => {
    const b = Buffer.allocUnsafe(4 + len);
    b.writeUInt32LE(len, 0);
    b.set(bytes.subarray(at, at + len), 4);
    chunks.push(b);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    obj.attachAll();
    timer = setInterval(() => ring.drain(keep, Number.MAX_SAFE_INTEGER), 100);
    const run = await runLoadgen({ binary: loadgen, workDir, rate, seconds, mix: 'tcp4,tcp6,udp4', exec: mode === 'exec' });
    clearInterval(timer);
    timer = undefined;
    const lost = obj.lostTotal();
    obj.close(); // detach, then read what the programs wrote before
    while (ring.drain(keep, Number.MAX_SAFE_INTEGER).count > 0);
    if (lost > 0) throw new Error(`the ring lost ${lost} records during the capture`);
    const bytes = Buffer.concat(chunks);
    const at: number[] = [];
    const len: number[] = [];
    for (let p = 0; p < bytes.length; ) {
      const n = bytes.readUInt32LE(p);
      at.push(p + 4);
      len.push(n);
      p += 4 + n;
    }
    return { bytes, at, len, connections: run.truth.length };
  } finally {
    if (timer) clearInterval(timer);
    obj.close();
    ring.close();
  }
}

/** What the replay must stand in for, found in one pass over the capture. */
interface Survey {
  /** Processes that ran before the capture (the load generator) are gone now: their exec, as a live sensor's /proc read would have given it once. */
  seeds: ProcessEvent[];
  /** The processes exec'd during the capture. */
  execPids: Set<number>;
}

function survey(cap: Capture): Survey {
  const execPids = new Set<number>();
  const forked = new Set<number>();
  const before = new Map<number, string>();
  const note = (pid: number, comm: string) => {
    if (!execPids.has(pid) && !forked.has(pid) && !before.has(pid)) before.set(pid, comm);
  };
  const view = new DataView(cap.bytes.buffer, cap.bytes.byteOffset, cap.bytes.length);
  const decoder = new RecordDecoder({ offsetUs: 0 });
  const scan: DecodedEvents = {
    connection: (e) => note(e.process!.pid, e.process!.name ?? ''),
    process: (e) => {
      if (e.type === 'fork') {
        note(e.ppid, 'loadgen');
        forked.add(e.pid);
      } else if (e.type === 'exec') execPids.add(e.pid);
    },
  };
  for (let i = 0; i < cap.at.length; i++) decoder.decode(cap.bytes, view, cap.at[i]!, cap.len[i]!, scan);
  const now = Date.now() * 1000;
  const seeds: ProcessEvent[] = [...before].map(([pid, comm]) => ({
    type: 'exec',
    pid,
    ppid: 1,
    uid: 0,
    comm,
    executable: '/opt/bench/loadgen',
    args: ['loadgen'],
    commandLine: 'loadgen',
    startTicks: 1,
    timeUs: now,
  }));
  return { seeds, execPids };
}

/** A /proc with only `PID/cgroup` of the exec'd processes (they have exited): the table reads it once per cgroup, as live. */
function fakeProc(execPids: Set<number>, dir: string): string {
  const root = path.join(dir, 'proc');
  for (const pid of execPids) {
    fs.mkdirSync(path.join(root, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), 'cgroup'), '0::/packettrail-bench.slice\n');
  }
  return root;
}

/** Each pass two minutes later than the one before, so UDP flows start again as in the live run. */
const PASS_SHIFT_US = 120e6;

async function replayPipeline(cap: Capture, passes: number, dir: string, seen: Survey): Promise<{ ms: number; lines: number }> {
  const file = path.join(dir, 'out.jsonl');
  const { out, pipeline } = await startEcsFilePipeline(file, fakeProc(seen.execPids, dir));
  for (const ev of seen.seeds) out.process(ev);
  const events: DecodedEvents = { connection: (e: ConnectionEvent) => out.connection(e), process: (e: ProcessEvent) => out.process(e) };
  const clock = kernelClockNow();
  const decoder = new RecordDecoder(clock);
  const view = new DataView(cap.bytes.buffer, cap.bytes.byteOffset, cap.bytes.length);
  let cpu0 = process.cpuUsage();
  for (let p = 0; p < passes; p++) {
    if (p === 1) cpu0 = process.cpuUsage(); // the first pass warms the JIT, as a long-running sensor is
    clock.offsetUs += PASS_SHIFT_US;
    await replayRecords(cap, decoder, view, events);
  }
  await pipeline.close();
  const cpu = process.cpuUsage(cpu0);
  return { ms: (cpu.user + cpu.system) / 1000, lines: countLines(file) };
}

/** Decodes every record into `events`, yielding to the event loop every 1,250 records (a drain's worth at 1,000 connections/s). */
async function replayRecords(cap: Capture, decoder: RecordDecoder, view: DataView, events: DecodedEvents): Promise<void> {
  for (let i = 0; i < cap.at.length; ) {
    const end = Math.min(cap.at.length, i + 1250);
    for (; i < end; i++) {
      const error = decoder.decode(cap.bytes, view, cap.at[i]!, cap.len[i]!, events);
      if (error !== undefined) throw new Error(`record ${i}: ${error.kind}: ${error.detail}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function replayDecodeOnly(cap: Capture, passes: number): Promise<number> {
  let n = 0;
  const events: DecodedEvents = { connection: () => void n++, process: () => void n++ };
  const decoder = new RecordDecoder({ offsetUs: 0 });
  const view = new DataView(cap.bytes.buffer, cap.bytes.byteOffset, cap.bytes.length);
  let cpu0 = process.cpuUsage();
  for (let p = 0; p < passes; p++) {
    if (p === 1) cpu0 = process.cpuUsage();
    await replayRecords(cap, decoder, view, events);
  }
  const cpu = process.cpuUsage(cpu0);
  if (n !== passes * cap.at.length) throw new Error(`decoded ${n} events of ${passes * cap.at.length}`);
  return (cpu.user + cpu.system) / 1000;
}

function countLines(file: string): number {
  const b = fs.readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'exec' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '5' },
      passes: { type: 'string', default: '8' },
    },
  });
  const mode = values.mode;
  if (mode !== 'exec' && mode !== 'fork') throw new Error(`--mode: exec or fork, not ${mode}`);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const passes = Number(values.passes);
  if (!(rate > 0 && seconds > 0 && Number.isInteger(passes) && passes >= 2)) throw new Error('--rate and --seconds must be positive, --passes an integer of at least 2');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-replay-'));
  try {
    const cap = await capture(mode, rate, seconds, dir);
    const measured = (passes - 1) * cap.connections;
    const { ms, lines } = await replayPipeline(cap, passes, dir, survey(cap));
    const decodeMs = await replayDecodeOnly(cap, passes);
    const per1k = (x: number) => ((x / measured) * 1000).toFixed(2);
    console.log(`${cap.connections} ${mode} connections captured (${cap.at.length} ring records), replayed ${passes} times (the first warms up), one process`);
    console.log(`  decode + pipeline + ECS file sink: ${per1k(ms)} ms CPU per 1,000 connections (${lines} records written)`);
    console.log(`  baseline: decoding alone:          ${per1k(decodeMs)} ms CPU per 1,000 connections`);
    console.log(`  ratio:                             ${(ms / decodeMs).toFixed(2)}×`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
