// Ground-truth load for the snapshot benchmark and tests: N established loopback TCP
// connections spread over server and client child processes (small Python scripts: a Node
// child costs ~40 MB, a Python one ~10 MB). Every child is tracked by pid and stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';

const SERVER = `
import resource, socket, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind(('::1' if fam == socket.AF_INET6 else '127.0.0.1', 0))
s.listen(4096)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
`;

const CLIENT = `
import resource, socket, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = '::1' if fam == socket.AF_INET6 else '127.0.0.1'
n = int(sys.argv[2])
ports = [int(p) for p in sys.argv[3].split(',')]
held = []
for i in range(n):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect((host, ports[i % len(ports)]))
    held.append(c)
print('ready', flush=True)
sys.stdin.read()
`;

/** Debian's python3 (it has python3-psutil); the pyenv one on PATH may not. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface LoadOptions {
  connections: number;
  servers?: number;
  clients?: number;
  family?: 4 | 6;
}

export interface Load {
  pids: number[];
  connections: number;
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no output within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(buf.slice(0, nl).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (code ${code})`));
    });
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  const waits = children.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve();
        c.once('exit', () => resolve());
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          resolve();
        }
      }),
  );
  await Promise.all(waits);
}

export async function startLoad(opts: LoadOptions): Promise<Load> {
  const servers = opts.servers ?? 50;
  const clients = opts.clients ?? 50;
  const fam = String(opts.family ?? 4);
  const children: ChildProcess[] = [];
  try {
    const serverProcs = Array.from({ length: servers }, () => {
      const c = spawn(SYSTEM_PYTHON, ['-c', SERVER, fam], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      return c;
    });
    const ports = await Promise.all(serverProcs.map((c, i) => firstLine(c, `server ${i}`, 15000)));
    const per = Math.floor(opts.connections / clients);
    let extra = opts.connections - per * clients;
    const clientProcs = Array.from({ length: clients }, (_, i) => {
      const n = per + (extra-- > 0 ? 1 : 0);
      // Rotate the port list so every server gets a similar share.
      const rotated = ports.slice(i % ports.length).concat(ports.slice(0, i % ports.length));
      const c = spawn(SYSTEM_PYTHON, ['-c', CLIENT, fam, String(n), rotated.join(',')], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(c);
      return c;
    });
    await Promise.all(clientProcs.map((c, i) => firstLine(c, `client ${i}`, 60000)));
    return {
      pids: children.map((c) => c.pid!),
      connections: opts.connections,
      stop: () => stopAll(children),
    };
  } catch (err) {
    await stopAll(children);
    throw err;
  }
}
