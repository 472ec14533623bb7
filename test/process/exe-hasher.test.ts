// The executable hasher on real processes and real files: copies of /bin/sleep, each with a
// trailer of its own (the ELF loader ignores it) so each copy is a file version of its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExeHasher, type ExeHasherOptions, type HashOutcome } from '../../src/process/exe-hasher';
import { deadPid, stopChild } from './helpers';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-exehash-'));
const children: ChildProcess[] = [];
const hashers: ExeHasher[] = [];
after(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
  await Promise.all(hashers.map((h) => h.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

let copies = 0;
function copyOfSleep(tag: string): string {
  const file = path.join(dir, `sleep-${copies++}-${tag}`);
  fs.copyFileSync('/bin/sleep', file);
  fs.appendFileSync(file, `\0packettrail-hash-test:${tag}\0`);
  fs.chmodSync(file, 0o755);
  return file;
}

function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

async function run(file: string): Promise<number> {
  const child = spawn(file, ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return child.pid!;
}

function hasher(o: Partial<ExeHasherOptions> = {}): { h: ExeHasher; results: Map<number, HashOutcome>; next: () => Promise<[number, HashOutcome]> } {
  const h = new ExeHasher({ maxSize: 64 * 1024 ** 2, maxQueue: 16, timeoutMs: 5000, bytesPerSecond: 0, ...o });
  hashers.push(h);
  const results = new Map<number, HashOutcome>();
  const waiters: ((r: [number, HashOutcome]) => void)[] = [];
  h.onResult = (pid, outcome) => {
    results.set(pid, outcome);
    waiters.shift()?.([pid, outcome]);
  };
  return { h, results, next: () => new Promise((resolve) => waiters.push(resolve)) };
}

test('a running copy hashes as sha256sum does; a second process of the same file is a cache hit', async () => {
  const file = copyOfSleep('twice');
  const { h, next } = hasher();
  const first = await run(file);
  assert.deepEqual(h.request(first, file), { status: 'pending' });
  const [pid, outcome] = await next();
  assert.equal(pid, first);
  assert.equal(outcome.sha256, sha256sum(file));
  const second = await run(file);
  assert.deepEqual(h.request(second, file), { sha256: sha256sum(file) });
  const s = h.stats();
  assert.equal(s.hashed, 1);
  assert.equal(s.cacheHits, 1);
  assert.equal(s.requests, 2);
  assert.equal(s.queued, 0);
});

test('a forked child waits with its parent for a hash still pending', async () => {
  const file = copyOfSleep('inherit');
  const { h, results, next } = hasher();
  const parent = await run(file);
  assert.equal(h.request(parent, file).status, 'pending');
  h.inherit(424242, parent);
  // Both are told in one turn, the parent first.
  assert.equal((await next())[0], parent);
  assert.equal(results.get(424242)?.sha256, sha256sum(file));
});

test('a binary deleted and replaced at its path while it runs hashes as what ran', async () => {
  const file = copyOfSleep('replaced');
  const original = sha256sum(file);
  const pid = await run(file);
  fs.unlinkSync(file);
  fs.copyFileSync(copyOfSleep('newcomer'), file);
  assert.notEqual(sha256sum(file), original);
  assert.match(fs.readlinkSync(`/proc/${pid}/exe`), / \(deleted\)$/);
  const { h, next } = hasher();
  assert.equal(h.request(pid, file).status, 'pending');
  const [, outcome] = await next();
  assert.equal(outcome.sha256, original);
});

test('a process already gone hashes from its path', async () => {
  const file = copyOfSleep('gone');
  const { h, next } = hasher();
  assert.equal(h.request(await deadPid(), file).status, 'pending');
  assert.equal((await next())[1].sha256, sha256sum(file));
  assert.deepEqual(h.request(await deadPid(), path.join(dir, 'no-such-file')), { status: 'error' });
});

test('a file above the size cap is not read: too_large, at once and from the cache after', async () => {
  const file = copyOfSleep('large');
  const { h } = hasher({ maxSize: 1024 });
  const pid = await run(file);
  assert.deepEqual(h.request(pid, file), { status: 'too_large' });
  assert.deepEqual(h.request(pid, file), { status: 'too_large' });
  const s = h.stats();
  assert.equal(s.tooLarge, 1);
  assert.equal(s.cacheHits, 1);
  assert.equal(s.hashed, 0);
});

test('a full queue refuses (busy), a slow file times out, and the next file still hashes', async () => {
  const slow = copyOfSleep('slow');
  const other = copyOfSleep('other');
  // 10 kB/s: a copy of sleep (tens of kB) takes seconds, past the 150 ms timeout.
  const { h, next } = hasher({ maxQueue: 1, timeoutMs: 150, bytesPerSecond: 10_000 });
  const a = await run(slow);
  const b = await run(other);
  assert.equal(h.request(a, slow).status, 'pending');
  assert.deepEqual(h.request(b, other), { status: 'busy' });
  const [pid, outcome] = await next();
  assert.equal(pid, a);
  assert.deepEqual(outcome, { status: 'timeout' });
  const s = h.stats();
  assert.equal(s.busy, 1);
  assert.equal(s.timeouts, 1);
  assert.equal(s.queued, 0);
  // A timeout is not remembered: the file may be asked again (and times out again here).
  assert.equal(h.request(a, slow).status, 'pending');
  assert.deepEqual((await next())[1], { status: 'timeout' });
});
