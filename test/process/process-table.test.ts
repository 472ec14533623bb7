import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { readBootTimeMs } from '../../src/process/proc-files';
import { readProcessInfo } from '../../src/process/proc-reader';
import { entityId } from '../../src/process/entity-id';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import type { ProcessEvent } from '../../src/core/stages';
import { deadPid, spawnNode, stopChild } from './helpers';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { cgroup2Root } from '../../src/process/cgroup2';

const env = { hostId: 'test-host', bootTimeMs: readBootTimeMs()!, users: new UserNames() };
// Above the kernel's pid_max ceiling (4194304): no real process can have these.
const FAKE = 5_000_000;

function exec(pid: number, over: Partial<Extract<ProcessEvent, { type: 'exec' }>> = {}): ProcessEvent {
  return { type: 'exec', pid, ppid: 1, uid: 0, comm: 'fake', executable: '/usr/bin/fake', args: ['fake', '-x'], startTicks: 1000, timeUs: 0, ...over };
}

test('seedFromProc loads running processes; lookups then need no /proc read', async (t) => {
  const c = await spawnNode(`console.log('ok'); setInterval(() => {}, 1e6);`);
  t.after(() => stopChild(c.child));
  const table = new ProcessTable(env);
  assert.ok(table.seedFromProc() >= 2);
  const reads = table.stats().procReads;
  const info = table.lookup(c.child.pid!);
  assert.equal(info?.executable, process.execPath);
  assert.equal(info?.parent?.pid, process.pid);
  assert.equal(table.lookup(process.pid)?.pid, process.pid);
  assert.equal(table.stats().procReads, reads);
});

test('an exec-learnt process that exits is kept for the grace period, then swept', async (t) => {
  const c = await spawnNode(`console.log('ok'); setInterval(() => {}, 1e6);`, ['flagarg']);
  t.after(() => stopChild(c.child));
  const pid = c.child.pid!;
  const startTicks = readProcessInfo(pid, env)!.startTicks!;
  const table = new ProcessTable(env, { graceMs: 60_000 });
  table.apply(exec(process.pid, { comm: 'node', executable: process.execPath, args: ['node'], startTicks: 1 }));
  table.apply(exec(pid, { ppid: process.pid, comm: 'node', executable: process.execPath, args: ['node', '-e', 'x', 'flagarg'], startTicks }));
  await stopChild(c.child); // the process is gone from /proc now
  const exitMs = Date.now();
  table.apply({ type: 'exit', pid, timeUs: exitMs * 1000 });

  const info = table.lookup(pid);
  assert.equal(info?.exited, true);
  assert.equal(info?.executable, process.execPath);
  assert.deepEqual(info?.args, ['node', '-e', 'x', 'flagarg']);
  assert.equal(info?.commandLine, 'node -e x flagarg');
  assert.equal(info?.userName, 'root');
  assert.equal(info?.parent?.pid, process.pid);
  assert.equal(info?.parent?.executable, process.execPath);
  assert.equal(info?.startTicks, startTicks);
  assert.equal(info?.entityId, entityId('test-host', pid, startTicks));

  assert.equal(table.sweep(exitMs + 59_000), 0);
  assert.equal(table.lookup(pid)?.exited, true);
  assert.equal(table.sweep(exitMs + 61_000), 1);
  assert.equal(table.stats().expired, 1);
  assert.equal(table.lookup(pid), undefined, 'gone from table and /proc, no hint');
  const built = table.lookup(pid, { comm: 'node', uid: 0 });
  assert.deepEqual(
    Object.fromEntries(Object.entries(built ?? {}).filter(([, v]) => v !== undefined)),
    { pid, name: 'node', uid: 0, userName: 'root' },
    'built from the hint alone',
  );
});

test('rename updates the name; exit of an unknown pid is ignored', () => {
  const table = new ProcessTable(env);
  table.apply(exec(FAKE));
  table.apply({ type: 'rename', pid: FAKE, comm: 'newname', timeUs: 1 });
  assert.equal(table.lookup(FAKE)?.name, 'newname');
  table.apply({ type: 'exit', pid: FAKE + 1, timeUs: 1 });
  assert.equal(table.size, 1);
});

test('bounded: oldest exited entries are evicted first, then oldest live, and counted', () => {
  const table = new ProcessTable(env, { maxEntries: 3 });
  table.apply(exec(FAKE + 1));
  table.apply(exec(FAKE + 2));
  table.apply(exec(FAKE + 3));
  table.apply({ type: 'exit', pid: FAKE + 2, timeUs: 5_000 });
  table.apply(exec(FAKE + 4)); // full: the exited FAKE+2 goes
  assert.equal(table.lookup(FAKE + 2), undefined);
  assert.ok(table.lookup(FAKE + 1));
  table.apply(exec(FAKE + 5)); // full, nothing exited: the oldest live FAKE+1 goes
  assert.equal(table.lookup(FAKE + 1), undefined);
  assert.ok(table.lookup(FAKE + 3) && table.lookup(FAKE + 4) && table.lookup(FAKE + 5));
  assert.equal(table.stats().evictions, 2);
  assert.equal(table.size, 3);
});

test('a pid reused after its exit: the old exit neither expires nor evicts the new process', () => {
  const table = new ProcessTable(env, { graceMs: 10_000, maxEntries: 2 });
  table.apply(exec(FAKE + 1, { startTicks: 1 }));
  table.apply({ type: 'exit', pid: FAKE + 1, timeUs: 1_000_000 }); // exited at 1,000 ms
  table.apply(exec(FAKE + 1, { startTicks: 2, comm: 'reused' })); // same pid, a new process
  assert.equal(table.sweep(20_000), 0, 'the queued exit was the old process');
  assert.equal(table.lookup(FAKE + 1)?.name, 'reused');
  assert.equal(table.lookup(FAKE + 1)?.exited, undefined);
  table.apply(exec(FAKE + 2));
  table.apply({ type: 'exit', pid: FAKE + 2, timeUs: 30_000_000 });
  table.apply(exec(FAKE + 3)); // full: the exited FAKE+2 goes, not the live FAKE+1
  assert.equal(table.lookup(FAKE + 2), undefined);
  assert.equal(table.lookup(FAKE + 1)?.name, 'reused');
  assert.equal(table.stats().evictions, 1);
});

test('unknown live pid: read from /proc once and cached', async (t) => {
  const c = await spawnNode(`console.log('ok'); setInterval(() => {}, 1e6);`);
  t.after(() => stopChild(c.child));
  const table = new ProcessTable(env);
  assert.equal(table.lookup(c.child.pid!)?.executable, process.execPath);
  assert.equal(table.lookup(c.child.pid!)?.executable, process.execPath);
  assert.equal(table.stats().procReads, 1);
});

test('a stale entry (missed exit, pid reused) is replaced; a thread name is remembered', async (t) => {
  const c = await spawnNode(`console.log('ok'); setInterval(() => {}, 1e6);`);
  t.after(() => stopChild(c.child));
  const pid = c.child.pid!;
  const table = new ProcessTable(env);
  table.apply(exec(pid, { comm: 'oldproc', executable: '/usr/bin/oldproc', startTicks: 1 }));
  const fresh = table.lookup(pid, { comm: 'node' });
  assert.equal(fresh?.executable, process.execPath);
  assert.equal(table.lookup(pid)?.executable, process.execPath);
  const reads = table.stats().procReads;
  // Kernel events from a worker thread carry the thread's comm: same process, no replacement.
  assert.equal(table.lookup(pid, { comm: 'libuv-worker' })?.executable, process.execPath);
  assert.equal(table.lookup(pid, { comm: 'libuv-worker' })?.name, 'node');
  assert.equal(table.stats().procReads, reads + 1, 'second thread-name lookup is served from the table');
});

test('lookup of a dead pid with no entry and no hint is undefined', async () => {
  assert.equal(new ProcessTable(env).lookup(await deadPid()), undefined);
});

test('a forked child inherits its parent program with its own pid, start and entity id', () => {
  const table = new ProcessTable(env);
  table.apply(exec(FAKE, { comm: 'loadgen', executable: '/opt/loadgen', args: ['loadgen', '--rate', '5'], startTicks: 500 }));
  table.apply({ type: 'fork', pid: FAKE + 1, ppid: FAKE, startTicks: 777, timeUs: 0 });
  table.apply({ type: 'exit', pid: FAKE + 1, timeUs: 1000 });
  // The child is gone from /proc (it never existed there): the table alone answers.
  const child = table.lookup(FAKE + 1, { comm: 'loadgen', uid: 0 })!;
  assert.equal(child.pid, FAKE + 1);
  assert.equal(child.executable, '/opt/loadgen');
  assert.deepEqual(child.args, ['loadgen', '--rate', '5']);
  assert.equal(child.startTicks, 777);
  assert.equal(child.entityId, entityId('test-host', FAKE + 1, 777));
  assert.notEqual(child.entityId, table.lookup(FAKE)!.entityId);
  assert.equal(child.parent?.pid, FAKE);
  assert.equal(child.parent?.executable, '/opt/loadgen');
  assert.equal(child.exited, true);
});

test('a fork, then the parent execs another program: the child, asked for later, still runs the old one', () => {
  const table = new ProcessTable(env);
  table.apply(exec(FAKE, { comm: 'sh', executable: '/bin/sh', args: ['sh', 'x.sh'], startTicks: 500 }));
  table.apply({ type: 'fork', pid: FAKE + 1, ppid: FAKE, startTicks: 600, timeUs: 0 });
  table.apply(exec(FAKE, { comm: 'curl', executable: '/usr/bin/curl', args: ['curl', 'h'], startTicks: 500 }));
  // A fork of the not-yet-built child: its parent record is built first.
  table.apply({ type: 'fork', pid: FAKE + 2, ppid: FAKE + 1, startTicks: 700, timeUs: 0 });
  const grandchild = table.lookup(FAKE + 2, { comm: 'sh' })!;
  assert.equal(grandchild.executable, '/bin/sh');
  assert.equal(grandchild.parent?.pid, FAKE + 1);
  assert.equal(grandchild.parent?.entityId, entityId('test-host', FAKE + 1, 600));
  const child = table.lookup(FAKE + 1, { comm: 'sh' })!;
  assert.equal(child.executable, '/bin/sh');
  assert.deepEqual(child.args, ['sh', 'x.sh']);
  assert.equal(child.parent?.executable, '/bin/sh', 'the parent as it was at the fork');
  assert.equal(table.lookup(FAKE)!.executable, '/usr/bin/curl');
});

test('a forked child that execs at once: the exec keeps the fork start and its entity id; a fork without start ticks too', () => {
  const table = new ProcessTable(env);
  table.apply(exec(FAKE, { comm: 'loadgen', executable: '/opt/loadgen', startTicks: 500 }));
  table.apply({ type: 'fork', pid: FAKE + 1, ppid: FAKE, startTicks: 900, timeUs: 0 });
  table.apply(exec(FAKE + 1, { ppid: FAKE, comm: 'child', executable: '/opt/child', args: ['child'], startTicks: undefined }));
  const child = table.lookup(FAKE + 1, { comm: 'child' })!;
  assert.equal(child.executable, '/opt/child');
  assert.equal(child.startTicks, 900);
  assert.equal(child.entityId, entityId('test-host', FAKE + 1, 900));
  assert.equal(child.parent?.executable, '/opt/loadgen');
  table.apply({ type: 'fork', pid: FAKE + 2, ppid: FAKE, timeUs: 0 });
  const noTicks = table.lookup(FAKE + 2, { comm: 'loadgen' })!;
  assert.equal(noTicks.startTicks, undefined);
  assert.equal(noTicks.entityId, undefined);
  assert.equal(noTicks.executable, '/opt/loadgen');
  table.apply({ type: 'rename', pid: FAKE + 2, comm: 'worker', timeUs: 0 });
  assert.equal(table.lookup(FAKE + 2)!.name, 'worker');
});

test('exec with a kernel cgroup id reads /proc/PID/cgroup once per cgroup', (t) => {
  // A proc tree of our own: FAKE's cgroup file names a docker container; FAKE+2 has none.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-proc-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const id = 'ab'.repeat(32);
  fs.mkdirSync(path.join(root, String(FAKE)));
  fs.writeFileSync(path.join(root, String(FAKE), 'cgroup'), `0::/system.slice/docker-${id}.scope\n`);
  const table = new ProcessTable({ ...env, procRoot: root });
  table.apply(exec(FAKE, { cgroupId: '4242' }));
  assert.equal(table.lookup(FAKE)!.containerId, id);
  table.apply(exec(FAKE + 2, { cgroupId: '4242' }));
  assert.equal(table.lookup(FAKE + 2)!.containerId, id, 'same cgroup: no /proc read needed');
  table.apply(exec(FAKE + 3, { cgroupId: '5151' }));
  assert.equal(table.lookup(FAKE + 3)!.containerId, undefined, 'another cgroup is read afresh');
});

test('a process gone before its exec is applied still gets its container, from its cgroup id (real cgroup v2)', (t) => {
  const cgroupRoot = cgroup2Root();
  assert.ok(cgroupRoot, 'cgroup v2 is mounted');
  // A cgroup named as docker names a container's, a process that runs in it and exits.
  const id = crypto.randomBytes(32).toString('hex');
  const dir = path.join(cgroupRoot, `docker-${id}.scope`);
  fs.mkdirSync(dir);
  t.after(() => fs.rmdirSync(dir));
  const ran = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && cat /proc/self/cgroup && echo $$`], { encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
  assert.match(ran.stdout, new RegExp(`docker-${id}\\.scope`), 'the shell ran in the cgroup');
  const pid = Number(ran.stdout.trim().split('\n').pop());
  assert.ok(!fs.existsSync(`/proc/${pid}`), 'the process is gone');
  const cgroupId = String(fs.statSync(dir, { bigint: true }).ino);

  const table = new ProcessTable(env, { cgroupRoot });
  table.apply(exec(pid, { cgroupId }));
  assert.equal(table.lookup(pid)!.containerId, id);
  // Without the hierarchy, /proc is all there is: no container.
  const blind = new ProcessTable(env);
  blind.apply(exec(pid, { cgroupId }));
  assert.equal(blind.lookup(pid)!.containerId, undefined);
});

test('an unlinked executable: the exec flag reaches the process and its forked children; a later exec clears it', () => {
  const table = new ProcessTable(env);
  table.apply(exec(FAKE + 10, { executable: '/tmp/implant', executableDeleted: true }));
  table.apply({ type: 'fork', pid: FAKE + 11, ppid: FAKE + 10, startTicks: 1001, timeUs: 0 });
  assert.equal(table.lookup(FAKE + 10)?.executableDeleted, true);
  assert.equal(table.lookup(FAKE + 11)?.executableDeleted, true);
  table.apply(exec(FAKE + 11, { executable: '/usr/bin/true', executableDeleted: false }));
  assert.equal(table.lookup(FAKE + 11)?.executableDeleted, undefined);
});
