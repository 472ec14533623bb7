// Drives the built CLI as a real process: start, wait for `ready`, stop by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from './repo';

export interface RunningCli {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Each run gets its own state directory (default file, spools), removed when it stops. */
export async function startCli(args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<RunningCli> {
  const stateDir = mkdtempSync(join(tmpdir(), 'pt-state-'));
  const child = spawn(process.execPath, [cliPath(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PACKETTRAIL_STATE_DIR: stateDir, ...env },
  });
  child.once('exit', () => rmSync(stateDir, { recursive: true, force: true }));
  let err = '';
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in time; stderr: ${err}`)), timeoutMs);
    const check = () => {
      if (/packettrail ready capture=/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sensor exited with ${code} before ready; stderr: ${err}`));
    });
  });
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the CLI to completion (for usage errors and one-shot commands). */
export function runCliSync(args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const stateDir = mkdtempSync(join(tmpdir(), 'pt-state-'));
  const r = spawnSync(process.execPath, [cliPath(), ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PACKETTRAIL_STATE_DIR: stateDir } });
  rmSync(stateDir, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
