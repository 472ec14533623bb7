// Real child processes that hold real loopback sockets while a test looks at them.
import { spawn, type ChildProcess } from 'node:child_process';

export interface HeldChild {
  child: ChildProcess;
  pid: number;
  /** What the child printed on its first line (JSON). */
  info: Record<string, any>;
  stop(): Promise<void>;
}

/**
 * Runs `node -e script`; the script must print one JSON line once its sockets are up, and
 * is killed by pid in stop().
 */
export async function holdChild(script: string, timeoutMs = 10_000): Promise<HeldChild> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<Record<string, any>>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child did not report in time')), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited early with ${code}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    info,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A child with a TCP server and a connected client on `host` (127.0.0.1 or ::1). */
export function tcpPairScript(host: string, extra = ''): string {
  return `
    ${extra}
    const net = require('net');
    const srv = net.createServer((s) => { s.on('error', () => {}); });
    srv.listen(0, '${host}', () => {
      const c = net.connect(srv.address().port, '${host}', () => {
        console.log(JSON.stringify({ serverPort: srv.address().port, clientPort: c.localPort }));
      });
    });
    setInterval(() => {}, 1000);`;
}
