// Real child processes for the /proc reader tests; each is stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';

/** Spawns `node -e script` and resolves with the child and its first stdout line. */
export function spawnNode(script: string, args: string[] = []): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ child, line: buf.slice(0, nl) });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
}

export function stopChild(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      resolve();
    }
  });
}

/** A pid that surely is not running now: a child that has exited and been reaped. */
export async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = c.pid!;
  await new Promise((r) => c.once('exit', r));
  return pid;
}
