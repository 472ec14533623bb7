// A remote host for tests that need an address other than loopback: a network namespace
// joined to this one by a veth pair (host side 10.213.N.1/30, namespace side 10.213.N.2/30),
// with a TCP server inside. Connections to it leave through a real interface and carry a
// remote address no other test uses, so a detector's view of "an address" is the test's own.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface RemoteHost {
  /** The namespace side of the veth: the address to connect to. */
  readonly ip: string;
  /** The TCP port the server in the namespace accepts on (0.0.0.0). */
  readonly port: number;
  /** This host's side of the veth: the local address of connections to `ip`. */
  readonly localIp: string;
  readonly namespace: string;
  readonly hostVeth: string;
  /** Stops the server by pid, then deletes the veth pair and the namespace. Safe to call twice. */
  close(): Promise<void>;
}

export interface RemoteHostOptions {
  /** Port inside the namespace (default 443: the namespace is empty, any port is free). */
  readonly port?: number;
  /** How long the server keeps an accepted connection before closing it, ms (default 2000). */
  readonly holdMs?: number;
}

const NAMESPACE_PREFIX = 'pt-test-';

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: readonly string[]): boolean {
  try {
    ip(args);
    return true;
  } catch {
    return false;
  }
}

/** Why `ip netns` and veth pairs cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!tryIp(['-V'])) return 'the ip command (iproute2) is not installed';
  const probe = `pt-probe-${process.pid}`;
  const veth = `ptp${process.pid % 100000}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (err) {
    return `ip netns add failed: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`;
  }
  try {
    ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}n`, 'netns', probe]);
    ip(['link', 'del', veth]);
    return undefined;
  } catch (err) {
    return `veth pairs cannot be made: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`;
  } finally {
    tryIp(['netns', 'del', probe]);
  }
}

/** Third octets in 10.213.0.0/16 that no interface of this host uses now, in random order. */
function freeSubnets(): number[] {
  const used = new Set<number>();
  for (const m of ip(['-o', '-4', 'addr', 'show']).matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  const free: number[] = [];
  for (let n = 1; n <= 254; n++) if (!used.has(n)) free.push(n);
  for (let i = free.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [free[i], free[j]] = [free[j]!, free[i]!];
  }
  return free;
}

/**
 * Claims a subnet by creating the namespace named after it: `ip netns add` fails when the
 * name exists, so two test processes choosing at once never share a subnet.
 */
function claimSubnet(): { n: number; namespace: string } {
  for (const n of freeSubnets()) {
    const namespace = `${NAMESPACE_PREFIX}n${String(n).padStart(3, '0')}`;
    if (tryIp(['netns', 'add', namespace])) return { n, namespace };
  }
  throw new Error('no free 10.213.N.0/30 subnet for a test namespace');
}

function serverScript(port: number, holdMs: number): string {
  return `
    const net = require('net');
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      s.resume();
      setTimeout(() => s.destroy(), ${holdMs}).unref();
    });
    srv.listen(${port}, '0.0.0.0', () => console.log(JSON.stringify({ port: srv.address().port })));
    setInterval(() => {}, 60000);`;
}

function startServer(namespace: string, port: number, holdMs: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', serverScript(port, holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${namespace} did not start in time`)), 10_000);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${namespace} exited early with ${code}`));
    });
  });
}

function stopByPid(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function createRemoteHost(o: RemoteHostOptions = {}): Promise<RemoteHost> {
  const port = o.port ?? 443;
  const { n, namespace } = claimSubnet();
  const hostVeth = `ptv${n}h`;
  const peer = `ptv${n}n`;
  const localIp = `10.213.${n}.1`;
  const remoteIp = `10.213.${n}.2`;
  let server: ChildProcess | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (server) await stopByPid(server);
    // Deleting one end of a veth deletes both, at once; deleting the namespace alone would
    // leave the pair to the kernel's asynchronous namespace cleanup.
    tryIp(['link', 'del', hostVeth]);
    tryIp(['netns', 'del', namespace]);
  };
  try {
    ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peer, 'netns', namespace]);
    ip(['addr', 'add', `${localIp}/30`, 'dev', hostVeth]);
    ip(['link', 'set', hostVeth, 'up']);
    ip(['-n', namespace, 'addr', 'add', `${remoteIp}/30`, 'dev', peer]);
    ip(['-n', namespace, 'link', 'set', peer, 'up']);
    ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    server = await startServer(namespace, port, o.holdMs ?? 2000);
  } catch (err) {
    await close();
    throw err;
  }
  return { ip: remoteIp, port, localIp, namespace, hostVeth, close };
}

/** What of `host` still exists on this machine: its namespace, its host-side veth. */
export function remoteHostLeftovers(host: Pick<RemoteHost, 'namespace' | 'hostVeth'>): string[] {
  const left: string[] = [];
  const namespaces = ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0]);
  if (namespaces.includes(host.namespace)) left.push(`namespace ${host.namespace}`);
  if (tryIp(['link', 'show', 'dev', host.hostVeth])) left.push(`link ${host.hostVeth}`);
  return left;
}
