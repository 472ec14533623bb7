// The tracefs tier against the real kernel: a child process makes loopback connections and
// the source must name that child. Needs root (CI here is root); skips with the reason otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { CaptureSource, ProcessEvent } from '../../../src/core/stages';
import { silentLogger } from '../../../src/core/context';
import { createTracefsSource, probeTracefs } from '../../../src/capture/tracefs';
import { TRACEFS_ROOT } from '../../../src/capture/tracefs/instance';
import { CollectingOutput } from '../../helpers/collecting-output';
import { repoRoot } from '../../helpers/repo';
import { FORK_CONNECT_PY, THREADS_THEN_FORK_PY } from '../../helpers/fork-connect';
import { waitForValue } from '../../helpers/wait';

const probe = probeTracefs();
const skip = probe.works ? false : `tracefs tier cannot run here: ${probe.reason}`;
const PY = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const CHILD = `
import socket, json, sys
out = {}
def free_port(fam, host):
    t = socket.socket(fam); t.bind((host, 0)); p = t.getsockname()[1]; t.close(); return p
for fam, host, key in ((socket.AF_INET, '127.0.0.1', 'v4'), (socket.AF_INET6, '::1', 'v6')):
    s = socket.socket(fam); s.bind((host, 0)); s.listen()
    c = socket.create_connection((host, s.getsockname()[1])); a, _ = s.accept()
    out[key] = {'server': s.getsockname()[1], 'client': c.getsockname()[1]}
    c.close(); a.close(); s.close()
rp = free_port(socket.AF_INET, '127.0.0.1')
try:
    socket.create_connection(('127.0.0.1', rp))
except ConnectionRefusedError:
    out['refused'] = rp
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b'x', ('127.0.0.1', rp))
out['udp'] = {'local': u.getsockname()[1], 'remote': rp}
print(json.dumps(out), flush=True)
sys.stdin.read()
`;

let source: CaptureSource | undefined;
const output = new CollectingOutput();
const { conns, procs, order } = output;
const children: ChildProcess[] = [];
let tmp = '';

function ourInstances(): string[] {
  return fs.readdirSync(path.join(TRACEFS_ROOT, 'instances')).filter((n) => n.startsWith(`packettrail-${process.pid}`));
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-tracefs-'));
  source = createTracefsSource({ logger: silentLogger, ignorePid: process.pid });
  await source.start(output);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await source?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('TCP connect (IPv4, IPv6), refused connect, accept and UDP send carry the child pid and name', { skip }, async () => {
  const script = path.join(tmp, 'conn.py');
  fs.writeFileSync(script, CHILD);
  const child = spawn(PY, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const info = await waitForValue('child report', () => (stdout.includes('\n') ? JSON.parse(stdout) : undefined));
  const pid = child.pid!;
  const mine = (e: ConnectionEvent) => e.process?.pid === pid;

  for (const [fam, family, ip] of [
    ['v4', 'ipv4', '127.0.0.1'],
    ['v6', 'ipv6', '::1'],
  ] as const) {
    const { server, client } = info[fam];
    const out = await waitForValue(`${fam} connect`, () => conns.find((e) => e.action === 'connection_attempted' && e.remote.port === server && e.local.port === client));
    assert.ok(mine(out), `connect attributed to ${JSON.stringify(out.process)}, expected pid ${pid}`);
    assert.equal(out.process!.name, 'python3');
    assert.equal(out.process!.uid, process.getuid!());
    assert.equal(out.tid, pid);
    assert.equal(out.outcome, 'success');
    assert.equal(out.family, family);
    assert.equal(out.direction, 'egress');
    assert.equal(out.remote.ip, ip);
    assert.equal(out.local.ip, ip);
    assert.equal(out.capture, 'tracefs');
    assert.equal(out.attribution, 'syscall');

    const acc = await waitForValue(`${fam} accept`, () => conns.find((e) => e.action === 'connection_accepted' && e.local.port === server && e.remote.port === client));
    assert.ok(mine(acc), `accept attributed to ${JSON.stringify(acc.process)}`);
    assert.equal(acc.direction, 'ingress');
    assert.equal(acc.family, family);
    assert.equal(acc.attribution, 'inferred');

    const listen = conns.find((e) => e.action === 'listen' && e.local.port === server);
    assert.ok(listen && mine(listen), 'listen seen with the child pid');
    const closed = await waitForValue(`${fam} close`, () => conns.find((e) => e.action === 'connection_closed' && e.direction === 'egress' && e.local.port === client));
    assert.ok(mine(closed));
  }

  const refused = await waitForValue('refused connect', () => conns.find((e) => e.action === 'connection_attempted' && e.remote.port === info.refused && e.outcome === 'failure'));
  assert.ok(mine(refused));
  assert.equal(refused.attribution, 'syscall');

  const udp = await waitForValue('udp send', () => conns.find((e) => e.transport === 'udp' && e.remote.port === info.udp.remote));
  assert.ok(mine(udp));
  assert.equal(udp.local.port, info.udp.local);
  assert.equal(udp.remote.ip, '127.0.0.1');
  assert.equal(udp.action, 'udp_flow');

  // Timestamps are epoch µs near now (trace clock converted), not trace-clock seconds.
  assert.ok(Math.abs(refused.timeUs / 1000 - Date.now()) < 60_000, `timeUs ${refused.timeUs}`);
  child.stdin!.end();
  await exited(child);
});

test('a short-lived process gives exec and exit events with its pid', { skip }, async () => {
  const child = spawn('/bin/true', [], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  await exited(child);
  const exec = await waitForValue('exec', () => procs.find((e) => e.type === 'exec' && e.pid === pid));
  assert.equal(exec.type, 'exec');
  if (exec.type === 'exec') {
    assert.equal(exec.comm, 'true');
    assert.match(exec.executable, /\/true$/);
    assert.equal(exec.ppid, process.pid);
  }
  await waitForValue('exit', () => procs.find((e) => e.type === 'exit' && e.pid === pid));
  assert.equal(output.lostCount, 0);
});

test('a relative exec and one through a symlinked directory: the absolute, resolved path /proc/PID/exe shows', { skip }, async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(tmp, 'exe-')));
  const exe = path.join(dir, 'pt-tracefs-probe');
  fs.copyFileSync('/usr/bin/sleep', exe);
  fs.chmodSync(exe, 0o755);
  fs.symlinkSync(dir, path.join(tmp, 'linked'));
  for (const [file, cwd] of [
    ['./pt-tracefs-probe', dir],
    [path.join(tmp, 'linked', 'pt-tracefs-probe'), tmp],
  ] as const) {
    const child = spawn(file, ['30'], { stdio: 'ignore', cwd });
    children.push(child);
    const pid = child.pid!;
    const exec = await waitForValue(`exec of ${file}`, () => procs.find((e): e is Extract<ProcessEvent, { type: 'exec' }> => e.type === 'exec' && e.pid === pid));
    assert.equal(child.exitCode, null, 'still running: its exec was resolved from /proc');
    assert.equal(exec.executable, exe, file);
    assert.equal(exec.executable, fs.readlinkSync(`/proc/${pid}/exe`));
    assert.equal(exec.executableDeleted, undefined);
    child.kill('SIGKILL');
    await exited(child);
  }
});

type ForkEvent = Extract<ProcessEvent, { type: 'fork' }>;

/**
 * Runs python code with args; resolves with its pid and stdout lines once it has exited.
 * `beforeStdinEnd` runs while the child is alive (it may hold on reading stdin).
 */
async function runPython(code: string, args: string[], beforeStdinEnd?: (stdout: () => string) => Promise<void>): Promise<{ pid: number; out: string[] }> {
  const child = spawn(PY, ['-c', code, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const done = exited(child);
  if (beforeStdinEnd) await beforeStdinEnd(() => stdout);
  child.stdin!.end();
  await done;
  assert.equal(child.exitCode, 0, `python failed: ${code}`);
  return { pid: child.pid!, out: stdout.split('\n').filter((l) => l !== '') };
}

async function loopbackServer(): Promise<{ port: number; close(): Promise<void> }> {
  const net = await import('node:net');
  const server = net.createServer((s) => s.on('error', () => {}).resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(() => r())) };
}

test('a child that forks without exec and connects: a fork event (pid, ppid) before its connection', { skip }, async () => {
  const server = await loopbackServer();
  try {
    const { pid, out } = await runPython(FORK_CONNECT_PY, [String(server.port)]);
    const childPid = Number(out[1]);
    const conn = await waitForValue('child connect', () => conns.find((e) => e.action === 'connection_attempted' && e.process?.pid === childPid && e.remote.port === server.port));
    const fork = procs.find((e): e is ForkEvent => e.type === 'fork' && e.pid === childPid);
    assert.ok(fork, 'fork event of the child');
    assert.equal(fork.ppid, pid);
    assert.ok(order.indexOf(fork) < order.indexOf(conn), 'fork emitted before the child connection');
    assert.ok(fork.timeUs <= conn.timeUs);
    assert.ok(Math.abs(fork.timeUs / 1000 - Date.now()) < 60_000, `timeUs ${fork.timeUs}`);
    // The child may be gone before /proc is read: then the start time is left out, never wrong.
    if (fork.startTicks !== undefined) assert.equal(fork.startTicks, Number(out[0]));
    assert.equal(
      procs.some((e) => e.type === 'exec' && e.pid === childPid),
      false,
      'the child never exec',
    );
    // The test process (the sensor's ignorePid) spawned the parent: its own fork is left out.
    assert.equal(
      procs.some((e) => e.type === 'fork' && e.pid === pid),
      false,
    );
  } finally {
    await server.close();
  }
});

test('a fork whose child is still alive carries its start time', { skip }, async () => {
  const code = [
    'import os,sys',
    'pid = os.fork()',
    'if pid == 0:',
    "    st = open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19]",
    "    os.write(1, (str(os.getpid()) + ' ' + st).encode() + b'\\n')",
    '    sys.stdin.read()',
    '    os._exit(0)',
    'os.waitpid(pid, 0)',
  ].join('\n');
  const { pid, out } = await runPython(code, [], async (stdout) => {
    // Hold the child (it reads stdin) until its fork event has been read.
    const line = await waitForValue('child line', () => (stdout().includes('\n') ? stdout() : undefined));
    const childPid = Number(line.split(' ')[0]);
    await waitForValue('fork event', () => procs.find((e) => e.type === 'fork' && e.pid === childPid));
  });
  const [childPid, startTicks] = out[0]!.split(' ').map(Number);
  const fork = procs.find((e): e is ForkEvent => e.type === 'fork' && e.pid === childPid)!;
  assert.equal(fork.ppid, pid);
  assert.equal(fork.startTicks, startTicks);
});

test('threads are not forks; a fork from a thread names the process as parent', { skip }, async () => {
  const { pid, out } = await runPython(THREADS_THEN_FORK_PY, []);
  const [idleTid, forkerTid, childPid] = out.map(Number);
  // Threads are dropped in the kernel (the filter took), and again in user space.
  const filter = path.join(TRACEFS_ROOT, 'instances', `packettrail-${process.pid}`, 'events', 'task', 'task_newtask', 'filter');
  assert.equal(fs.readFileSync(filter, 'utf8').trim(), '!(clone_flags & 0x10000)');
  await waitForValue('fork of the child', () => procs.find((e) => e.type === 'fork' && e.pid === childPid));
  await waitForValue('exit of the parent', () => procs.find((e) => e.type === 'exit' && e.pid === pid));
  for (const tid of [idleTid, forkerTid]) {
    assert.equal(
      procs.some((e) => e.type === 'fork' && e.pid === tid),
      false,
      `no fork event for thread ${tid}`,
    );
  }
  const forks = procs.filter((e): e is ForkEvent => e.type === 'fork' && [pid, idleTid, forkerTid].includes(e.ppid));
  assert.deepEqual(
    forks.map((f) => [f.pid, f.ppid]),
    [[childPid, pid]],
    'one fork, the child, parent = the tgid',
  );
});

test("the sensor's own connections are left out", { skip }, async () => {
  const net = await import('node:net');
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end());
    c.on('close', () => resolve());
    c.on('error', reject);
  });
  // A marker connection from a child proves the source has read past ours.
  const marker = spawn(PY, ['-c', `import socket\ntry: socket.create_connection(('127.0.0.1', ${port}))\nexcept Exception: pass`], { stdio: 'ignore' });
  children.push(marker);
  await waitForValue('marker', () => conns.find((e) => e.remote.port === port && e.process?.pid === marker.pid));
  await new Promise<void>((r) => server.close(() => r()));
  assert.equal(conns.filter((e) => e.process?.pid === process.pid).length, 0);
});

test('close() disables capture and removes the instances', { skip }, async () => {
  assert.deepEqual(ourInstances().sort(), [`packettrail-${process.pid}`, `packettrail-${process.pid}-v6`]);
  await source!.close();
  source = undefined;
  assert.deepEqual(ourInstances(), []);
});

test('an instance left by a dead run is removed at start', { skip }, async () => {
  const dead = spawn('/bin/true', [], { stdio: 'ignore' });
  await exited(dead);
  const stale = path.join(TRACEFS_ROOT, 'instances', `packettrail-${dead.pid}`);
  fs.mkdirSync(stale);
  fs.writeFileSync(path.join(stale, 'events', 'sched', 'sched_process_exec', 'enable'), '1');
  const s = createTracefsSource({ logger: silentLogger, ignorePid: process.pid });
  try {
    await s.start({ connection() {}, process() {}, lost() {} });
    assert.equal(fs.existsSync(stale), false);
  } finally {
    await s.close();
    if (fs.existsSync(stale)) fs.rmdirSync(stale);
  }
  assert.deepEqual(ourInstances(), []);
});

test('reading the pipes holds no threadpool thread (UV_THREADPOOL_SIZE=1)', { skip }, async () => {
  // With a blocking read the only pool thread would sit in read(2) and readFile would never finish.
  const script = path.join(tmp, 'pool.ts');
  const src = path.resolve(__dirname, '../../../src/capture/tracefs');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
import { createTracefsSource } from ${JSON.stringify(src)};
const s = createTracefsSource({ logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } });
s.start({ connection() {}, process() {}, lost() {} }).then(async () => {
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 20; i++) await fs.promises.readFile('/proc/self/status');
  await s.close();
  process.stdout.write('pool-free\\n');
});
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited(child);
  clearTimeout(guard);
  assert.equal(out.trim(), 'pool-free');
  assert.equal(child.exitCode, 0);
});
