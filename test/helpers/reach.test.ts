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

test('reach connects count times at the interval, then exits 0', async () => {
  const srv = await countingServer();
  try {
    const t0 = Date.now();
    const run = await programs.reach('explorer.exe', { ip: '127.0.0.1', port: srv.port, count: 3, intervalMs: 150, holdMs: 20 });
    assert.ok(run.pid > 0);
    assert.equal(srv.accepted.length, 3);
    const gaps = srv.accepted.slice(1).map((t, i) => t - srv.accepted[i]!);
    for (const g of gaps) assert.ok(g >= 150 && g < 400, `gap ${g} ms`);
    assert.ok(Date.now() - t0 >= 300);
  } finally {
    await srv.close();
  }
});

test('an explicit schedule of waits is followed', async () => {
  const srv = await countingServer();
  try {
    await programs.reach('svchost.exe', { ip: '127.0.0.1', port: srv.port, count: 3, waitsMs: [300, 900], holdMs: 0 });
    // Accept times carry the server's event-loop delay, so the bounds leave room for it.
    const gaps = srv.accepted.slice(1).map((t, i) => t - srv.accepted[i]!);
    assert.ok(gaps[0]! >= 200 && gaps[0]! < 700, `first gap ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 800, `second gap ${gaps[1]} ms`);
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
