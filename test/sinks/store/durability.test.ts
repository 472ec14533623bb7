// Durability and concurrency with real processes: a reader reads while another process
// writes, and a writer killed with SIGKILL leaves a consistent store holding every record
// older than one commit interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openStoreReadOnly } from '../../../src/sinks/store';

const COMMIT_MS = 200;

async function startWriter(path: string) {
  const child = spawn(process.execPath, [join(__dirname, 'writer-child.js'), path, String(COMMIT_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
  });
  return child;
}

test('a reader reads while another process writes, and sees the commits grow', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-store-wal-'));
  const path = join(dir, 'pt.db');
  const child = await startWriter(path);
  try {
    const db = openStoreReadOnly(path);
    const counts: number[] = [];
    for (let k = 0; k < 8; k++) {
      counts.push(db.prepare('SELECT count(*) FROM connection').pluck().get() as number);
      // A long read in the middle of the writer's commits must neither fail nor block it.
      db.prepare('SELECT count(*) FROM connection c JOIN process p ON p.id = c.process_id').pluck().get();
      await sleep(150);
    }
    db.close();
    for (let k = 1; k < counts.length; k++) assert.ok(counts[k]! >= counts[k - 1]!, `counts never go back: ${counts}`);
    assert.ok(counts[counts.length - 1]! > counts[0]!, `the reader sees new commits: ${counts}`);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL mid-write leaves a consistent store with every record older than one commit interval', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-store-kill-'));
  const path = join(dir, 'pt.db');
  try {
    const child = await startWriter(path);
    await sleep(1200);
    const killUs = Date.now() * 1000;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const db = new Database(path);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const { n, maxTid, lastUs } = db.prepare('SELECT count(*) AS n, max(tid) AS maxTid, max(time_us) AS lastUs FROM connection').get() as {
      n: number;
      maxTid: number;
      lastUs: number;
    };
    db.close();
    assert.ok(n > 1000, `records were committed: ${n}`);
    // Committed in order, so what survives is every record up to one point, without gaps.
    assert.equal(maxTid, n - 1, 'no gaps');
    // That point is at most a commit interval (plus scheduling slack on a busy machine) before the kill.
    assert.ok(killUs - lastUs < COMMIT_MS * 1000 + 1_000_000, `last stored record ${(killUs - lastUs) / 1000} ms before the kill`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
