// The ebpf tier against the real kernel: real child processes make real loopback
// connections, and each record must name the process (pid, tid, name, uid) that made it,
// with its exec record (executable, argv) taken in the kernel.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEbpfSource } from '../../../src/capture/ebpf';
import { cgroup2Root } from '../../../src/process/cgroup2';
import { silentLogger } from '../../../src/core/context';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { CaptureSource, ProcessEvent } from '../../../src/core/stages';
import { CollectingOutput } from '../../helpers/collecting-output';
import { repoRoot } from '../../helpers/repo';
import { FORK_CONNECT_PY, THREADS_THEN_FORK_PY } from '../../helpers/fork-connect';
import { itemAt, onlyItem } from '../../helpers/items';
import { waitForValue } from '../../helpers/wait';
import { bpfHeldByUs, bpfInKernel, ensureBpfObject, kernelSkipReason, killChildren, PYTHON, startChild } from './helpers';

const skip = kernelSkipReason();

type ExecEvent = Extract<ProcessEvent, { type: 'exec' }>;
type ForkEvent = Extract<ProcessEvent, { type: 'fork' }>;

describe('ebpf capture source (real kernel events)', { skip }, () => {
  let source: CaptureSource | undefined;
  const output = new CollectingOutput();
  const { conns, procs, order } = output;
  const servers: (net.Server | dgram.Socket)[] = [];
  let held: ReturnType<typeof bpfHeldByUs> = { progIds: new Set(), linkIds: new Set() };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-ebpf-test-'));

  before(async () => {
    const objectPath = ensureBpfObject();
    source = createEbpfSource({ logger: silentLogger, bpfObjectPath: objectPath, ignorePid: process.pid });
    await source.start(output);
    held = bpfHeldByUs();
  });

  after(async () => {
    killChildren();
    for (const s of servers) s.close();
    await source?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function tcpServer(host: string): Promise<number> {
    const srv = net.createServer((sock) => sock.on('error', () => {}).resume());
    servers.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, host, resolve));
    return (srv.address() as net.AddressInfo).port;
  }

  /** Runs python code to completion; resolves once its exit record has arrived. */
  async function runPython(code: string, args: string[] = []): Promise<{ pid: number; out: string[] }> {
    const run = startChild(PYTHON, ['-c', code, ...args]);
    const out: string[] = [];
    run.child.stdout!.on('data', () => {});
    const lines = (async () => {
      for (;;) {
        const l = await Promise.race([run.nextLine(), run.exited.then(() => null)]);
        if (l === null) return;
        out.push(l);
      }
    })();
    const code_ = await run.exited;
    await lines;
    assert.equal(code_, 0, `python child failed: ${code}`);
    await exitOf(run.pid);
    return { pid: run.pid, out };
  }

  function exitOf(pid: number): Promise<ProcessEvent> {
    return waitForValue(`exit record of ${pid}`, () => procs.find((p) => p.type === 'exit' && p.pid === pid));
  }

  function execOf(pid: number): ExecEvent {
    const ev = procs.find((p): p is ExecEvent => p.type === 'exec' && p.pid === pid);
    assert.ok(ev, `exec record of ${pid}`);
    return ev;
  }

  function connsOf(pid: number, action?: ConnectionEvent['action']): ConnectionEvent[] {
    return conns.filter((c) => c.process?.pid === pid && (!action || c.action === action));
  }

  /** A Python process connects once to a TCP server on `host` and exits: its code, and the record of that connect. */
  async function connectOnce(host: string): Promise<{ port: number; pid: number; code: string; ev: ConnectionEvent }> {
    const port = await tcpServer(host);
    const code = `import socket,sys\nsocket.create_connection(('${host}', int(sys.argv[1]))).close()`;
    const { pid } = await runPython(code, [String(port)]);
    const [ev] = connsOf(pid, 'connection_attempted');
    assert.ok(ev, 'connection record');
    return { port, pid, code, ev };
  }

  function assertPythonProcess(pid: number, code: string, args: string[]): void {
    const exec = execOf(pid);
    assert.equal(exec.executable, fs.realpathSync(PYTHON), 'the file run, not the symlink started');
    assert.deepEqual(exec.args, [PYTHON, '-c', code, ...args]);
    assert.equal(exec.ppid, process.pid);
    assert.equal(exec.uid, process.getuid!());
  }

  it('a process that connects and exits at once: pid, name, uid, local port, exec record', async () => {
    const { port, pid, code, ev } = await connectOnce('127.0.0.1');
    assert.equal(ev.outcome, 'success');
    assert.equal(ev.direction, 'egress');
    assert.equal(ev.transport, 'tcp');
    assert.equal(ev.family, 'ipv4');
    assert.deepEqual(ev.remote, { ip: '127.0.0.1', port });
    assert.equal(ev.local.ip, '127.0.0.1');
    assert.ok(ev.local.port > 0, 'local port is filled');
    assert.equal(ev.tid, pid);
    assert.equal(ev.process?.name, 'python3');
    assert.equal(ev.process?.uid, process.getuid!());
    assert.equal(ev.capture, 'ebpf');
    assert.equal(ev.attribution, 'syscall');
    assert.ok(Math.abs(ev.timeUs - Date.now() * 1000) < 60e6, 'kernel time converted to epoch');
    assertPythonProcess(pid, code, [String(port)]);
    const exit = procs.find((p) => p.type === 'exit' && p.pid === pid)!;
    assert.ok(exit.timeUs >= ev.timeUs);
  });

  it('exec start time equals /proc/PID/stat starttime (the entity id basis)', async () => {
    const code = `print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])`;
    const { pid, out } = await runPython(code);
    assert.equal(execOf(pid).startTicks, Number(out[0]));
  });

  it('a thread that connects: tid differs from pid, pid is the process', async () => {
    const port = await tcpServer('127.0.0.1');
    const code = [
      'import socket,sys,threading',
      'def f():',
      '    print(threading.get_native_id(), flush=True)',
      "    socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()",
      't = threading.Thread(target=f); t.start(); t.join()',
    ].join('\n');
    const { pid, out } = await runPython(code, [String(port)]);
    const [ev] = connsOf(pid, 'connection_attempted');
    assert.ok(ev, 'connection record');
    assert.equal(ev.tid, Number(out[0]));
    assert.notEqual(ev.tid, pid);
    assert.equal(ev.process?.pid, pid);
    assert.equal(ev.process?.name, 'python3');
    assertPythonProcess(pid, code, [String(port)]);
  });

  it('after renaming itself with prctl(PR_SET_NAME): the new name, the same executable', async () => {
    const port = await tcpServer('127.0.0.1');
    const code = ['import ctypes,socket,sys', "ctypes.CDLL(None).prctl(15, b'pt-renamed', 0, 0, 0)", "socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()"].join(
      '\n',
    );
    const { pid } = await runPython(code, [String(port)]);
    const [ev] = connsOf(pid, 'connection_attempted');
    assert.equal(ev?.process?.name, 'pt-renamed');
    assert.ok(procs.some((p) => p.type === 'rename' && p.pid === pid && p.comm === 'pt-renamed'));
    assertPythonProcess(pid, code, [String(port)]);
  });

  it('after renaming itself through /proc/self/comm', async () => {
    const port = await tcpServer('127.0.0.1');
    const code = ['import socket,sys', "open('/proc/self/comm', 'w').write('pt-comm-write')", "socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()"].join('\n');
    const { pid } = await runPython(code, [String(port)]);
    assert.equal(connsOf(pid, 'connection_attempted')[0]?.process?.name, 'pt-comm-write');
    assert.equal(execOf(pid).executable, fs.realpathSync(PYTHON));
  });

  it('IPv6 connect to [::1]', async () => {
    const { port, ev } = await connectOnce('::1');
    assert.equal(ev.family, 'ipv6');
    assert.deepEqual(ev.remote, { ip: '::1', port });
    assert.equal(ev.local.ip, '::1');
    assert.ok(ev.local.port > 0);
    assert.equal(ev.outcome, 'success');
  });

  it('a dual-stack socket connecting to ::ffff:127.0.0.1 is reported as IPv4', async () => {
    const port = await tcpServer('127.0.0.1');
    const code = ['import socket,sys', 's = socket.socket(socket.AF_INET6)', "s.connect(('::ffff:127.0.0.1', int(sys.argv[1])))", 's.close()'].join('\n');
    const { pid } = await runPython(code, [String(port)]);
    const [ev] = connsOf(pid, 'connection_attempted');
    assert.ok(ev, 'connection record');
    assert.equal(ev.family, 'ipv4');
    assert.deepEqual(ev.remote, { ip: '127.0.0.1', port });
    assert.equal(ev.local.ip, '127.0.0.1');
  });

  it('a refused connect: outcome failure with ECONNREFUSED', async () => {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((resolve) => srv.close(resolve));
    const code = [
      'import socket,sys',
      'try:',
      "    socket.create_connection(('127.0.0.1', int(sys.argv[1])))",
      '    sys.exit(3)',
      'except ConnectionRefusedError:',
      '    pass',
    ].join('\n');
    const { pid } = await runPython(code, [String(port)]);
    const [ev] = connsOf(pid, 'connection_attempted');
    assert.ok(ev, 'connection record');
    assert.equal(ev.outcome, 'failure');
    assert.equal(ev.errno, 111);
    assert.deepEqual(ev.remote, { ip: '127.0.0.1', port });
    assert.ok(ev.local.port > 0, 'the local port was bound before the SYN');
  });

  it('listen and an accepted connection: ingress, the accepting process', async () => {
    const code = ['import socket', "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)", 'print(s.getsockname()[1], flush=True)', 'c, a = s.accept(); c.recv(1)'].join(
      '\n',
    );
    const run = startChild(PYTHON, ['-c', code]);
    const port = Number(await run.nextLine());
    const client = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    const clientPort = client.localPort!;
    client.end();
    assert.equal(await run.exited, 0);
    await exitOf(run.pid);
    const [listen] = connsOf(run.pid, 'listen');
    assert.ok(listen, 'listen record');
    assert.deepEqual(listen.local, { ip: '127.0.0.1', port });
    assert.equal(listen.direction, 'ingress');
    assert.equal(listen.transport, 'tcp');
    const [acc] = connsOf(run.pid, 'connection_accepted');
    assert.ok(acc, 'accept record');
    assert.equal(acc.direction, 'ingress');
    assert.deepEqual(acc.local, { ip: '127.0.0.1', port });
    assert.deepEqual(acc.remote, { ip: '127.0.0.1', port: clientPort });
    assert.equal(acc.process?.name, 'python3');
    assertPythonProcess(run.pid, code, []);
  });

  it('UDP sendto on unconnected sockets: one flow per (process, local, remote), IPv4 and IPv6', async () => {
    const u4 = dgram.createSocket('udp4');
    const u6 = dgram.createSocket('udp6');
    servers.push(u4, u6);
    await new Promise<void>((resolve) => u4.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => u6.bind(0, '::1', resolve));
    const p4 = u4.address().port;
    const p6 = u6.address().port;
    const code = [
      'import socket,sys',
      'a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      "for i in range(5): a.sendto(b'x', ('127.0.0.1', int(sys.argv[1])))",
      'b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)',
      "for i in range(3): b.sendto(b'y', ('::1', int(sys.argv[2])))",
      "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind(('127.0.0.1', 0))",
      "c.sendmsg([b'z'], [], 0, ('127.0.0.1', int(sys.argv[1])))",
      'print(a.getsockname()[1], b.getsockname()[1], c.getsockname()[1], flush=True)',
    ].join('\n');
    const { pid, out } = await runPython(code, [String(p4), String(p6)]);
    const [la, lb, lc] = itemAt(out, 0).split(' ').map(Number);
    const flows = connsOf(pid, 'udp_flow');
    const v4 = onlyItem(
      flows.filter((f) => f.remote.port === p4 && f.local.port === la),
      'five datagrams, one flow',
    );
    assert.equal(v4.direction, 'egress');
    assert.equal(v4.transport, 'udp');
    assert.equal(v4.remote.ip, '127.0.0.1');
    const v6 = onlyItem(flows.filter((f) => f.remote.port === p6));
    assert.equal(v6.family, 'ipv6');
    assert.deepEqual([v6.remote.ip, v6.local.port], ['::1', lb]);
    const bound = onlyItem(
      flows.filter((f) => f.local.port === lc),
      'sendmsg on a bound socket',
    );
    assert.deepEqual(bound.local, { ip: '127.0.0.1', port: lc });
    assert.equal(flows.length, 3);
  });

  it('UDP receive-first is ingress; a connected UDP socket sending with send() is egress', async () => {
    const peer = dgram.createSocket('udp4');
    servers.push(peer);
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const peerPort = peer.address().port;
    const code = [
      'import socket,sys',
      "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 0))",
      'print(r.getsockname()[1], flush=True)',
      'data, addr = r.recvfrom(100)',
      "k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); k.connect(('127.0.0.1', int(sys.argv[1])))",
      "k.send(b'a'); k.send(b'b')",
      'print(k.getsockname()[1], flush=True)',
    ].join('\n');
    const run = startChild(PYTHON, ['-c', code, String(peerPort)]);
    const rport = Number(await run.nextLine());
    peer.send('hello', rport, '127.0.0.1');
    const kport = Number(await run.nextLine());
    assert.equal(await run.exited, 0);
    await exitOf(run.pid);
    const flows = connsOf(run.pid, 'udp_flow');
    const inbound = onlyItem(flows.filter((f) => f.local.port === rport));
    assert.equal(inbound.direction, 'ingress');
    assert.deepEqual(inbound.remote, { ip: '127.0.0.1', port: peerPort });
    const connected = onlyItem(
      flows.filter((f) => f.local.port === kport),
      'two sends, one flow',
    );
    assert.equal(connected.direction, 'egress');
    assert.deepEqual(connected.local, { ip: '127.0.0.1', port: kport });
    assert.deepEqual(connected.remote, { ip: '127.0.0.1', port: peerPort });
  });

  it('io_uring IORING_OP_CONNECT and IORING_OP_SENDMSG are attributed to the process', async () => {
    const exe = path.join(tmp, 'uring-connect');
    execFileSync('gcc', ['-O2', '-o', exe, path.join(repoRoot(), 'test/capture/ebpf/fixtures/uring-connect.c')]);
    const port = await tcpServer('127.0.0.1');
    const udp = dgram.createSocket('udp4');
    servers.push(udp);
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const run = startChild(exe, [String(port), String(udp.address().port)]);
    const [tcpLocal, udpLocal] = (await run.nextLine()).split(' ').map(Number);
    assert.equal(await run.exited, 0);
    await exitOf(run.pid);
    const [tcp] = connsOf(run.pid, 'connection_attempted');
    assert.ok(tcp, 'io_uring connect record');
    assert.equal(tcp.outcome, 'success');
    assert.deepEqual(tcp.remote, { ip: '127.0.0.1', port });
    assert.equal(tcp.local.port, tcpLocal);
    assert.equal(tcp.process?.name, 'uring-connect', 'the process name, not an io-wq worker name');
    const [flow] = connsOf(run.pid, 'udp_flow');
    assert.ok(flow, 'io_uring sendmsg record');
    assert.deepEqual([flow.local.port, flow.remote.port, flow.direction], [udpLocal, udp.address().port, 'egress']);
    const exec = execOf(run.pid);
    assert.equal(exec.executable, fs.realpathSync(exe));
    assert.deepEqual(exec.args, [exe, String(port), String(udp.address().port)]);
  });

  it('does not report the sensor own sockets (ignorePid)', async () => {
    const port = await tcpServer('127.0.0.1');
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    sock.destroy();
    // A later child's record proves the ring was drained past our own connect.
    const code = `import socket,sys\nsocket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()`;
    await runPython(code, [String(port)]);
    assert.equal(conns.filter((c) => c.process?.pid === process.pid).length, 0);
    assert.equal(procs.filter((p) => p.pid === process.pid).length, 0);
  });

  function forksOf(ppid: number): ForkEvent[] {
    return procs.filter((p): p is ForkEvent => p.type === 'fork' && p.ppid === ppid);
  }

  it('a child that forks without exec and connects: a fork record (pid, ppid, start) before its connection', async () => {
    const port = await tcpServer('127.0.0.1');
    const { pid, out } = await runPython(FORK_CONNECT_PY, [String(port)]);
    const childPid = Number(out[1]);
    assert.ok(childPid > 0 && childPid !== pid, `child pid from ${JSON.stringify(out)}`);
    const [conn] = connsOf(childPid, 'connection_attempted');
    assert.ok(conn, 'the child connection record');
    assert.deepEqual(conn.remote, { ip: '127.0.0.1', port });
    const fork = procs.find((p): p is ForkEvent => p.type === 'fork' && p.pid === childPid);
    assert.ok(fork, 'fork record of the child');
    assert.equal(fork.ppid, pid);
    assert.equal(fork.startTicks, Number(out[0]), 'start ticks = /proc/PID/stat starttime of the child');
    assert.ok(Math.abs(fork.timeUs - Date.now() * 1000) < 60e6, 'kernel time converted to epoch');
    assert.ok(fork.timeUs <= conn.timeUs);
    assert.ok(order.indexOf(fork) < order.indexOf(conn), 'fork emitted before the child connection');
    assert.deepEqual(
      forksOf(pid).map((f) => f.pid),
      [childPid],
      'one fork, the child',
    );
    assert.equal(
      procs.some((p) => p.type === 'exec' && p.pid === childPid),
      false,
      'the child never exec',
    );
    await exitOf(childPid);
    // The sensor (ignorePid) spawned the python parent: its own fork is not reported.
    assert.equal(
      procs.some((p) => p.type === 'fork' && p.pid === pid),
      false,
    );
  });

  it('threads are not forks; a fork from a thread names the process as parent', async () => {
    const port = await tcpServer('127.0.0.1');
    const { pid, out } = await runPython(THREADS_THEN_FORK_PY, [String(port)]);
    const [connTid, forkerTid, childPid] = out.map(Number);
    assert.ok(
      connsOf(pid, 'connection_attempted').some((c) => c.tid === connTid),
      'the thread ran and connected',
    );
    for (const tid of [connTid, forkerTid]) {
      assert.equal(
        procs.some((p) => p.type === 'fork' && p.pid === tid),
        false,
        `no fork record for thread ${tid}`,
      );
    }
    assert.deepEqual(
      forksOf(pid).map((f) => f.pid),
      [childPid],
      'only the real child',
    );
    assert.equal(
      procs.some((p) => p.type === 'fork' && (p.ppid === connTid || p.ppid === forkerTid)),
      false,
      'ppid is the tgid',
    );
  });

  it('exec carries the cgroup id: the inode of the process cgroup v2 directory', async () => {
    const root = cgroup2Root();
    assert.ok(root, 'a cgroup v2 mount');
    const code = `print([l for l in open('/proc/self/cgroup').read().splitlines() if l.startswith('0::')][0][3:])`;
    const { pid, out } = await runPython(code);
    const dir = path.join(root, out[0]!);
    const ino = fs.statSync(dir, { bigint: true }).ino.toString();
    const exec = execOf(pid);
    assert.ok(exec.cgroupId, 'cgroupId present');
    assert.equal(exec.cgroupId, ino, `cgroup id of ${dir}`);
  });

  it('stats count what was emitted and every loss reported', () => {
    const s = source!.stats();
    assert.equal(s.lost, output.lostCount);
    assert.ok(s.events >= conns.length + procs.length);
    assert.deepEqual(s.decodeErrors, {}, 'every record the kernel wrote decoded');
  });

  it('close() detaches every program and link it attached, leaving nothing in the kernel', async () => {
    assert.ok(held.progIds.size >= 3, 'programs were held while running');
    assert.ok(held.linkIds.size >= 3, 'links were held while running');
    await source!.close();
    source = undefined;
    const now = bpfHeldByUs();
    assert.equal(now.progIds.size, 0, 'no BPF program fd left open');
    assert.equal(now.linkIds.size, 0, 'no BPF link fd left open');
    // The kernel frees them asynchronously (RCU): wait until none of ours is listed.
    await waitForValue('our programs to leave the kernel', () => {
      const k = bpfInKernel();
      const left = [...held.progIds].filter((id) => k.progIds.has(id)).length + [...held.linkIds].filter((id) => k.linkIds.has(id)).length;
      return left === 0 ? true : undefined;
    });
  });
});

if (skip) {
  // Say why, visibly, where the suite would have run.
  it(`ebpf kernel tests skipped: ${skip}`, { skip }, () => {});
}
