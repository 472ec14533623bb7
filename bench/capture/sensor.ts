// Starts the built sensor CLI as a child, waits for its "ready" line, and stops it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { track } from './children';

export interface SensorOptions {
  cli: string;
  tier: string;
  outFile: string;
  readyTimeoutMs: number;
  extraArgs?: string[];
  /** Added to this process's environment for the sensor. */
  env?: Readonly<Record<string, string>>;
}

interface SensorHandle {
  child: ChildProcess;
  pid: number;
  /** Last lines of stderr/stdout, for reports when something goes wrong. */
  tail(): string[];
  exited(): boolean;
  /** SIGTERM, then SIGKILL after graceMs. Resolves with how it ended. */
  stop(graceMs: number): Promise<{ code: number | null; signal: string | null; killed: boolean }>;
}

export type StartResult = { ok: true; sensor: SensorHandle } | { ok: false; reason: string; tail: string[] };

/** "ready" as a word, and not "not ready": the CLI contract prints e.g. `packettrail ready capture=ebpf`. */
function isReadyLine(line: string): boolean {
  return /\bready\b/i.test(line) && !/\bnot\s+ready\b/i.test(line);
}

export function startSensor(o: SensorOptions): Promise<StartResult> {
  const args = [o.cli, 'run', '--source', o.tier, '--file', o.outFile, '--file-format', 'ecs', ...(o.extraArgs ?? [])];
  // Run as users run it: the CLI as a program, whose #! line gives node its flags; a CLI file
  // that is not executable is run by this node.
  const command = isExecutable(o.cli) ? o.cli : process.execPath;
  const child = track(spawn(command, command === o.cli ? args.slice(1) : args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } }));
  const lines: string[] = [];
  const remember = (l: string): void => {
    lines.push(l.length > 400 ? `${l.slice(0, 400)}…` : l);
    if (lines.length > 40) lines.shift();
  };
  let exitInfo: { code: number | null; signal: string | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: string | null }>((res) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      res(exitInfo);
    });
  });
  // Both streams are always drained so the sensor never blocks on a full pipe.
  child.stdout!.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach(remember));
  let partial = '';
  let onReady: (() => void) | undefined;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      remember(l);
      if (isReadyLine(l)) onReady?.();
    }
  });
  child.stderr!.on('end', () => {
    if (partial) remember(partial);
  });

  const handle: SensorHandle = {
    child,
    pid: child.pid ?? -1,
    tail: () => [...lines],
    exited: () => exitInfo !== undefined,
    async stop(graceMs) {
      if (exitInfo) return { ...exitInfo, killed: false };
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      const r = await exitPromise;
      clearTimeout(timer);
      return { ...r, killed };
    },
  };

  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: StartResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      void handle.stop(3000).then(() => settle({ ok: false, reason: `no "ready" line within ${o.readyTimeoutMs} ms`, tail: handle.tail() }));
    }, o.readyTimeoutMs);
    onReady = () => settle({ ok: true, sensor: handle });
    child.once('error', (e) => settle({ ok: false, reason: `spawn failed: ${e.message}`, tail: handle.tail() }));
    void exitPromise.then((r) => settle({ ok: false, reason: `exited before ready (${r.code ?? r.signal})`, tail: handle.tail() }));
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
