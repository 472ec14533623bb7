// Every child the harness starts is registered here, so it is stopped by pid on any exit path:
// on SIGINT/SIGTERM/SIGHUP each gets SIGTERM (a sensor then detaches its probes and tracefs
// instances), then SIGKILL after a grace period; on process exit anything left gets SIGKILL.
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function running(c: ChildProcess): boolean {
  return c.pid !== undefined && c.exitCode === null && c.signalCode === null;
}

function signalAll(sig: NodeJS.Signals): void {
  for (const c of live) {
    if (!running(c)) continue;
    try {
      process.kill(c.pid!, sig);
    } catch {
      // already gone
    }
  }
}

async function terminateAll(graceMs: number): Promise<void> {
  signalAll('SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && [...live].some(running)) await new Promise((r) => setTimeout(r, 100));
  signalAll('SIGKILL');
}

/** Tracks a child until it exits; installs exit/signal hooks the first time. */
export function track(child: ChildProcess): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => signalAll('SIGKILL'));
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        void terminateAll(5000).finally(() => process.exit(130));
      });
    }
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs every tracked child now (harness errors, test cleanup). */
export function killTracked(): void {
  signalAll('SIGKILL');
}
