// Shared by the ebpf kernel tests: real child processes, waiting on events, BPF fd inventory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { defaultBpfObjectPath } from '../../../src/capture/ebpf/object-path';
import { repoRoot } from '../../helpers/repo';

export const PYTHON = '/usr/bin/python3';

/** Why the kernel tests cannot run here, or false when they can. */
export function kernelSkipReason(): string | false {
  if (process.platform !== 'linux') return 'eBPF tests need Linux';
  if (process.getuid?.() !== 0) return 'eBPF tests need root (CAP_BPF, CAP_PERFMON)';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return false;
}

const BPF_SOURCES = ['packettrail.bpf.c', 'packettrail.h'].map((f) => path.join(repoRoot(), 'bpf', f));

/** Builds bpf/build/packettrail.bpf.o when it is missing or older than its sources. */
export function ensureBpfObject(): string {
  const obj = defaultBpfObjectPath();
  const mtime = (f: string): number => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);
  if (!fs.existsSync(obj) || BPF_SOURCES.some((src) => mtime(src) > mtime(obj))) {
    execFileSync('bash', [path.join(repoRoot(), 'scripts/build-bpf.sh')], { stdio: 'inherit' });
  }
  return obj;
}

export interface ChildRun {
  pid: number;
  child: ChildProcess;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Starts a child; killChildren() in after() stops whatever is still running. */
export function startChild(file: string, args: string[], cwd?: string): ChildRun {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'], cwd });
  running.add(child);
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  return {
    pid: child.pid,
    child,
    exited,
    nextLine: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

export function killChildren(): void {
  for (const c of running) {
    if (c.pid !== undefined && c.exitCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  running.clear();
}

/** BPF program and link ids this process holds open, from /proc/self/fdinfo. */
export function bpfHeldByUs(): { progIds: Set<number>; linkIds: Set<number> } {
  const progIds = new Set<number>();
  const linkIds = new Set<number>();
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    let info: string;
    try {
      info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const link = /^link_id:\s*(\d+)/m.exec(info);
    const prog = /^prog_id:\s*(\d+)/m.exec(info);
    if (link) linkIds.add(Number(link[1]));
    if (prog) progIds.add(Number(prog[1]));
  }
  return { progIds, linkIds };
}

/** Ids of all BPF programs and links loaded in the kernel now. */
export function bpfInKernel(): { progIds: Set<number>; linkIds: Set<number> } {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json']).toString()) as { id: number }[];
  const links = JSON.parse(execFileSync('bpftool', ['link', 'show', '--json']).toString()) as { id: number }[];
  return { progIds: new Set(progs.map((p) => p.id)), linkIds: new Set(links.map((l) => l.id)) };
}
