import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readBootTimeMs } from '../../src/process/proc-files';
import { readProcessInfo } from '../../src/process/proc-reader';
import { entityId } from '../../src/process/entity-id';
import { UserNames } from '../../src/process/users';
import { deadPid, spawnNode, stopChild } from './helpers';

const env = { hostId: 'test-host', bootTimeMs: readBootTimeMs()!, users: new UserNames() };

test('boot time is in the past and plausible', () => {
  const now = Date.now();
  assert.ok(env.bootTimeMs < now && env.bootTimeMs > now - 10 * 365 * 86400_000);
});

test('this process: name, executable, args, uid, user, parent, start, entity id', () => {
  const info = readProcessInfo(process.pid, env);
  assert.ok(info);
  assert.equal(info.pid, process.pid);
  assert.equal(info.executable, process.execPath);
  assert.equal(info.uid, process.getuid!());
  assert.equal(info.userName, process.getuid!() === 0 ? 'root' : env.users.name(process.getuid!()));
  assert.equal(info.parent?.pid, process.ppid);
  assert.ok(info.args && info.args.length > 1);
  assert.equal(info.commandLine, info.args.join(' '));
  assert.ok(info.commandLine.includes('proc-reader.test'), info.commandLine);
  // Start time: after boot, not after now, and consistent with the process uptime (±2 s).
  const expected = Date.now() - process.uptime() * 1000;
  assert.ok(Math.abs(info.startMs! - expected) < 2000, `startMs ${info.startMs} vs ${expected}`);
  assert.equal(info.entityId, entityId('test-host', process.pid, info.startTicks!));
  assert.equal(info.exited, undefined);
});

test('a child that renamed itself through /proc/self/comm and one through process.title', async (t) => {
  const kids: ChildProcess[] = [];
  t.after(() => Promise.all(kids.map(stopChild)));
  const a = await spawnNode(`require('fs').writeFileSync('/proc/self/comm', 'renamed-proc'); console.log('ok'); setInterval(() => {}, 1e6);`);
  kids.push(a.child);
  const b = await spawnNode(`process.title = 'pt-title'; console.log('ok'); setInterval(() => {}, 1e6);`);
  kids.push(b.child);
  const ia = readProcessInfo(a.child.pid!, env);
  assert.equal(ia?.name, 'renamed-proc');
  assert.equal(ia?.executable, process.execPath);
  assert.equal(ia?.parent?.pid, process.pid);
  assert.equal(ia?.parent?.executable, process.execPath);
  const ib = readProcessInfo(b.child.pid!, env);
  assert.equal(ib?.name, 'pt-title');
  assert.equal(ib?.args?.[0], 'pt-title');
});

test('a hostile name with ), newline, tab and ESC is read exactly', async (t) => {
  const hostile = 'a) b\nc\td\x1be )';
  const c = await spawnNode(`require('fs').writeFileSync('/proc/self/comm', ${JSON.stringify(hostile)}); console.log('ok'); setInterval(() => {}, 1e6);`);
  t.after(() => stopChild(c.child));
  const info = readProcessInfo(c.child.pid!, env);
  assert.equal(info?.name, hostile);
  assert.equal(info?.executable, process.execPath);
  assert.ok(Number.isInteger(info?.startTicks));
});

test('a process that is gone gives undefined, not an exception', async () => {
  assert.equal(readProcessInfo(await deadPid(), env), undefined);
  assert.equal(readProcessInfo(0x7fffffff, env), undefined);
});

test('a kernel thread (pid 2, kthreadd) has a name and no command line', () => {
  const info = readProcessInfo(2, env);
  if (!info) return; // no kthreadd visible in this pid namespace
  assert.equal(info.args, undefined);
  assert.equal(info.executable, undefined);
  assert.ok(info.name.length > 0);
});
