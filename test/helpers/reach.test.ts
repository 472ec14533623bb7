// The reach program: named copies are distinct executables, connections really happen as
// scheduled, failures show in the exit code, and dispose() kills what still runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ReachPrograms } from './reach';
import { freePort } from './bulk-server';

const programs = ReachPrograms.create();
after(() => programs.dispose());

async function countingServer(): Promise<{ port: number; accepted: number[]; close(): Promise<void> }> {
  const accepted: number[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    accepted.push(Date.now());
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.resume();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    accepted,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('named copies live in distinct directories, keep their name and differ in content', () => {
  const a = programs.program('powershell.exe');
  const b = programs.program('explorer.exe');
  assert.equal(programs.program('powershell.exe'), a, 'one copy per name');
  assert.equal(path.basename(a), 'powershell.exe');
  assert.equal(path.basename(b), 'explorer.exe');
  assert.notEqual(path.dirname(a), path.dirname(b));
  assert.notEqual(sha256(a), sha256(b));
  assert.throws(() => programs.program('a-name-longer-than-15'), /15 characters/);
});

// Accept times on the server carry its event-loop delay, so timing is checked on the
// program's own run time, which can only be longer than its schedule.
test('reach connects count times at the interval, then exits 0', async () => {
  const srv = await countingServer();
  try {
    const t0 = Date.now();
    const run = await programs.reach('explorer.exe', { ip: '127.0.0.1', port: srv.port, count: 3, intervalMs: 300, holdMs: 20 });
    assert.ok(run.pid > 0);
    assert.equal(srv.accepted.length, 3);
    assert.ok(Date.now() - t0 >= 2 * 300, `ran ${Date.now() - t0} ms`);
  } finally {
    await srv.close();
  }
});

test('an explicit schedule of waits replaces the interval', async () => {
  const srv = await countingServer();
  try {
    const t0 = Date.now();
    await programs.reach('svchost.exe', { ip: '127.0.0.1', port: srv.port, count: 3, intervalMs: 5000, waitsMs: [300, 900], holdMs: 0 });
    const ran = Date.now() - t0;
    assert.equal(srv.accepted.length, 3);
    assert.ok(ran >= 1200 && ran < 5000, `ran ${ran} ms: the waits, not the interval`);
  } finally {
    await srv.close();
  }
});

test('failed connections show in the exit code', async () => {
  const port = await freePort();
  const run = programs.run('explorer.exe', { ip: '127.0.0.1', port, count: 2, intervalMs: 10 });
  assert.equal(await run.exited, 2);
  assert.match(run.stderr(), /Connection refused/);
  await assert.rejects(programs.reach('explorer.exe', { ip: '127.0.0.1', port }), /failed 1 of 1 connections to 127\.0\.0\.1:\d+: reach: connect .*Connection refused/);
});

test('dispose() kills what still runs, by pid, and removes the copies', async () => {
  const srv = await countingServer();
  const own = ReachPrograms.create();
  const exe = own.program('notepad.exe');
  const run = own.run('notepad.exe', { ip: '127.0.0.1', port: srv.port, holdMs: 60_000 });
  try {
    while (srv.accepted.length === 0) await new Promise((r) => setTimeout(r, 20));
    await own.dispose();
    assert.equal(await run.exited, 128, 'killed by a signal');
    assert.equal(fs.existsSync(exe), false);
  } finally {
    await own.dispose();
    await srv.close();
  }
});
