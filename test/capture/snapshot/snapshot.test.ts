import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readBootTimeMs } from '../../../src/process/proc-files';
import { UserNames } from '../../../src/process/users';
import { SnapshotProcessCache, takeSnapshot, type SnapshotEntry, type SnapshotEnv } from '../../../src/capture/snapshot/snapshot';
import { spawnNode, stopChild } from '../../process/helpers';
import { onlyItem } from '../../helpers/items';

const env: SnapshotEnv = { hostId: 'test-host', bootTimeMs: readBootTimeMs()!, users: new UserNames() };

// One child holding every kind of socket the snapshot must report.
const SOCKETS = `
const net = require('net'), dgram = require('dgram');
const held = [];
const srv4 = net.createServer((s) => held.push(s)).listen(0, '127.0.0.1', () => {
  const srv6 = net.createServer((s) => held.push(s)).listen(0, '::1', () => {
    const c4 = net.connect(srv4.address().port, '127.0.0.1', () => {
      const c6 = net.connect(srv6.address().port, '::1', () => {
        const ub = dgram.createSocket('udp4');
        ub.bind(0, '127.0.0.1', () => {
          const uc = dgram.createSocket('udp6');
          uc.on('error', () => {});
          uc.bind(0, '::1', () => uc.connect(9, '::1', () => {
            console.log(JSON.stringify({
              listen4: srv4.address().port, listen6: srv6.address().port,
              c4: c4.localPort, c6: c6.localPort, udpBound: ub.address().port,
              udpConn: uc.address().port,
            }));
          }));
        });
      });
    });
  });
});
setInterval(() => {}, 1e6);
`;

function find(entries: SnapshotEntry[], pred: (e: SnapshotEntry) => boolean, what: string): SnapshotEntry {
  const hits = entries.filter(pred);
  return onlyItem(hits, `${what}: ${hits.length} matches`);
}

for (const method of ['netlink', 'procnet'] as const) {
  test(`${method}: a child's listening, IPv4, IPv6 and UDP sockets with the right owner`, async (t) => {
    const { child, line } = await spawnNode(SOCKETS);
    t.after(() => stopChild(child));
    const p = JSON.parse(line) as Record<string, number>;
    const pid = child.pid!;
    const snap = takeSnapshot({ ...env, method });

    const listen4 = find(snap, (e) => e.transport === 'tcp' && e.state === 'LISTEN' && e.local.port === p.listen4, 'listen4');
    assert.equal(listen4.family, 'ipv4');
    assert.equal(listen4.local.ip, '127.0.0.1');
    const listen6 = find(snap, (e) => e.transport === 'tcp' && e.state === 'LISTEN' && e.local.port === p.listen6, 'listen6');
    assert.deepEqual([listen6.family, listen6.local.ip], ['ipv6', '::1']);

    const c4 = find(snap, (e) => e.transport === 'tcp' && e.local.port === p.c4 && e.remote.port === p.listen4, 'client4');
    assert.deepEqual([c4.family, c4.state, c4.local.ip, c4.remote.ip], ['ipv4', 'ESTABLISHED', '127.0.0.1', '127.0.0.1']);
    const a4 = find(snap, (e) => e.transport === 'tcp' && e.local.port === p.listen4 && e.remote.port === p.c4, 'accepted4');
    assert.equal(a4.state, 'ESTABLISHED');
    const c6 = find(snap, (e) => e.transport === 'tcp' && e.local.port === p.c6 && e.remote.port === p.listen6, 'client6');
    assert.deepEqual([c6.family, c6.state, c6.local.ip, c6.remote.ip], ['ipv6', 'ESTABLISHED', '::1', '::1']);

    const ub = find(snap, (e) => e.transport === 'udp' && e.local.port === p.udpBound && e.local.ip === '127.0.0.1', 'udp bound');
    assert.deepEqual([ub.family, ub.state, ub.remote.port], ['ipv4', 'UNCONN', 0]);
    const uc = find(snap, (e) => e.transport === 'udp' && e.local.port === p.udpConn && e.local.ip === '::1', 'udp connected');
    assert.deepEqual([uc.family, uc.state, uc.remote.ip, uc.remote.port], ['ipv6', 'ESTAB', '::1', 9]);

    for (const e of [listen4, listen6, c4, a4, c6, ub, uc]) {
      const o = onlyItem(e.owners, `${e.transport} ${e.local.port} owners`);
      assert.equal(o.pid, pid);
      assert.equal(o.name, 'node');
      assert.equal(o.executable, process.execPath);
      assert.equal(o.uid, process.getuid!());
      assert.equal(o.userName, 'root');
      assert.equal(o.parent?.pid, process.pid);
      assert.ok(e.inode > 0);
      assert.equal(e.uid, process.getuid!());
    }
  });
}

test('IPv4 peers of a dual-stack socket are reported as plain IPv4', async (t) => {
  const script = `
const net = require('net');
const held = [];
const srv = net.createServer((s) => held.push(s)).listen(0, '::', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => console.log(JSON.stringify({ port: srv.address().port, c: c.localPort })));
});
setInterval(() => {}, 1e6);`;
  const { child, line } = await spawnNode(script);
  t.after(() => stopChild(child));
  const p = JSON.parse(line) as { port: number; c: number };
  const snap = takeSnapshot(env);
  const accepted = find(snap, (e) => e.local.port === p.port && e.remote.port === p.c, 'accepted on ::');
  assert.deepEqual([accepted.family, accepted.local.ip, accepted.remote.ip], ['ipv4', '127.0.0.1', '127.0.0.1']);
  const listen = find(snap, (e) => e.local.port === p.port && e.state === 'LISTEN', 'listen ::');
  assert.deepEqual([listen.family, listen.local.ip], ['ipv6', '::']);
});

test('a socket shared by two processes lists both owners', async (t) => {
  // Python forks after listen(): parent and child hold the same socket.
  const py = `
import ctypes, os, socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
pid = os.fork()
if pid == 0:
    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG: die with the parent
    time.sleep(1000); os._exit(0)
print(s.getsockname()[1], pid, flush=True)
time.sleep(1000)`;
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', py], { stdio: ['ignore', 'pipe', 'inherit'] });
  let forked = 0;
  t.after(async () => {
    if (forked) {
      try {
        process.kill(forked, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await stopChild(child);
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.trim());
    });
    child.once('exit', () => reject(new Error('python exited')));
  });
  const [port, fpid] = line.split(' ').map(Number);
  assert.ok(port !== undefined && fpid !== undefined, `python printed "${line}"`);
  forked = fpid;
  const e = find(takeSnapshot(env), (x) => x.state === 'LISTEN' && x.local.port === port, 'shared listener');
  assert.deepEqual(
    e.owners.map((o) => o.pid),
    [child.pid!, fpid].sort((a, b) => a - b),
  );
  assert.ok(e.owners.every((o) => o.executable?.startsWith('/usr/bin/python3')));
});

test('processes exiting during scans never break a scan; repeated polls use the cache', async (t) => {
  const stable = await spawnNode(`const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port)); setInterval(() => {}, 1e6);`);
  const port = Number(stable.line);
  // Churn: short-lived processes that open a socket and exit, started as fast as possible.
  const churn = `
const { spawn } = require('child_process');
let n = 0;
function one() {
  const c = spawn(process.execPath, ['-e', "require('net').createServer().listen(0,'127.0.0.1',()=>process.exit(0))"], { stdio: 'ignore' });
  c.on('exit', () => { if (++n === 1) console.log('churning'); setImmediate(one); });
}
one(); one(); one();`;
  const churner = await spawnNode(churn);
  t.after(async () => {
    await stopChild(churner.child);
    await stopChild(stable.child);
  });
  const cache = new SnapshotProcessCache();
  const stats = { sockets: 0, ownerProcesses: 0, cacheHits: 0, processes: 0, skipped: 0, fds: 0 };
  for (let i = 0; i < 40; i++) {
    const snap = takeSnapshot({ ...env, cache, stats });
    const e = find(snap, (x) => x.state === 'LISTEN' && x.local.port === port, `stable listener, scan ${i}`);
    assert.equal(e.owners[0]?.pid, stable.child.pid);
    assert.equal(e.owners[0]?.executable, process.execPath);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(stats.cacheHits > 0, 'repeated polls hit the process cache');
});

test('with an owner memory, known sockets skip the /proc fd scan and new ones are found', async (t) => {
  const ownerMemory = new Map();
  const stats = { sockets: 0, ownerProcesses: 0, cacheHits: 0, processes: 0, skipped: 0, fds: 0 };
  const polling: SnapshotEnv = { ...env, cache: new SnapshotProcessCache(), ownerMemory, stats };
  const a = await spawnNode(SOCKETS);
  t.after(() => stopChild(a.child));
  const pa = JSON.parse(a.line) as { c4: number };
  // An ephemeral port can be in use by another connection to another peer at the same time
  // (another test's): the child's socket is one of those with its port, owned by the child.
  const ownedBy = (snap: SnapshotEntry[], port: number, pid: number | undefined) => snap.some((e) => e.local.port === port && e.transport === 'tcp' && e.owners[0]?.pid === pid);
  const first = takeSnapshot(polling);
  assert.ok(ownedBy(first, pa.c4, a.child.pid), 'first c4');
  // Sockets can come and go between two polls on a busy test machine; poll until a quiet one.
  let quiet = false;
  for (let i = 0; i < 20 && !quiet; i++) {
    stats.processes = 0;
    const again = takeSnapshot(polling);
    assert.ok(ownedBy(again, pa.c4, a.child.pid), 'remembered c4');
    quiet = stats.processes === 0;
  }
  assert.ok(quiet, 'a poll with no new socket scans no process');
  const b = await spawnNode(SOCKETS);
  t.after(() => stopChild(b.child));
  const pb = JSON.parse(b.line) as { c4: number };
  const third = takeSnapshot(polling);
  assert.ok(ownedBy(third, pb.c4, b.child.pid), 'new c4');
  assert.ok(stats.processes > 0);
});
