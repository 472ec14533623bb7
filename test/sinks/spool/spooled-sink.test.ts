// The spooled delivery engine against a real receiver on loopback: the local `_bulk` server
// (no Elasticsearch can be installed here) through the real Elasticsearch transport, real
// files, and a real child process killed with SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import { PtError } from '../../../src/core/errors';
import { createElasticsearchTransport } from '../../../src/sinks/elasticsearch/transport';
import { createSpooledSink, type SpooledSinkOptions } from '../../../src/sinks/spool/spooled-sink';
import { listSegments } from '../../../src/sinks/spool/segment-files';
import { freePort, startBulkServer, type BulkServer } from '../../helpers/bulk-server';
import { formatEcs, numberedEvent, recordNumber } from '../../helpers/events';
import { fillWhileAway } from '../../helpers/fill-while-away';
import { waitFor } from '../../helpers/wait';

const fastRetry = { baseMs: 20, maxMs: 200, factor: 2 };

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-spool-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function esSink(url: string, spoolDir: string, extra: Partial<SpooledSinkOptions> = {}) {
  const transport = createElasticsearchTransport({ url, logger: silentLogger, timeoutMs: 2000 });
  return createSpooledSink({ name: 'es', format: formatEcs, transport, spoolDir, logger: silentLogger, retry: fastRetry, ...extra });
}

/** A first sink writes records 0..n-1 into a fresh spool while no receiver listens on `port`; it is left open. */
async function spoolWhileDown(t: { after(fn: () => void): void }, n: number, closeTimeoutMs: number) {
  const spoolDir = path.join(tempDir(t), 'spool');
  const port = await freePort();
  const first = esSink(`http://127.0.0.1:${port}`, spoolDir, { closeTimeoutMs });
  for (let i = 0; i < n; i++) first.write(numberedEvent(i));
  return { spoolDir, port, first };
}

/** The receiver comes up on `port` and a sink starts on what `spoolDir` holds; both are closed after the test. */
async function receiverAndSink(t: { after(fn: () => void): void }, port: number, spoolDir: string) {
  const server = await startBulkServer({ port });
  t.after(() => server.close());
  const sink = esSink(server.url, spoolDir);
  t.after(() => sink.close());
  return { server, sink };
}

function received(server: BulkServer): number[] {
  return [...server.docs.values()].map((d) => recordNumber(d.source)).sort((a, b) => a - b);
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** The writer child runs as .ts under tsx, or as the built .js. */
function writerArgs(): string[] {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `fixtures/spool-writer${ext}`);
  return ext === '.ts' ? ['--import', 'tsx', file] : [file];
}

/** The writer child: spools n records (flushing every `chunk`) into a fresh spool, toward a dead receiver on `deadPort`; killed by pid after the test. */
async function startWriter(t: { after(fn: () => void): void }, n: number, chunk: number) {
  const spoolDir = path.join(tempDir(t), 'spool');
  const deadPort = await freePort();
  const child = spawn(process.execPath, [...writerArgs(), spoolDir, `http://127.0.0.1:${deadPort}`, String(n), String(chunk)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, exited, output: () => out, spoolDir, deadPort };
}

test('records spooled by a process killed with SIGKILL are all delivered by the next start', async (t) => {
  const N = 5000;
  const { child, exited, output, spoolDir, deadPort } = await startWriter(t, N, 1);
  await waitFor(() => output().includes(`flushed ${N}\n`), 'the child to spool its records', 60_000);
  assert.ok(process.kill(child.pid!, 'SIGKILL'));
  await exited;
  assert.equal(child.signalCode, 'SIGKILL');
  assert.ok(listSegments(spoolDir).length > 0, 'the killed child left segments behind');

  const { server, sink } = await receiverAndSink(t, deadPort, spoolDir);
  await waitFor(() => server.docs.size >= N, `all ${N} records at the receiver`);
  await sink.close();
  assert.deepEqual(received(server), range(N));
  assert.equal(server.counters.conflicts, 0, 'nothing was sent twice');
  assert.equal(sink.gaps(), 0);
  assert.equal(sink.stats().written, N);
});

test('SIGKILL in the middle of writing: every record the child had flushed arrives', async (t) => {
  const N = 200_000;
  const { child, exited, output, spoolDir, deadPort } = await startWriter(t, N, 400);
  await waitFor(() => (output().match(/flushed \d+\n/g) ?? []).length >= 3, 'the child to flush a few chunks', 60_000);
  child.kill('SIGKILL');
  await exited;
  const flushed = Math.max(...(output().match(/flushed (\d+)\n/g) ?? []).map((l) => Number(l.split(' ')[1])));
  assert.ok(flushed > 0 && flushed < N, `killed mid-stream (flushed ${flushed})`);

  const { server, sink } = await receiverAndSink(t, deadPort, spoolDir);
  await waitFor(() => sink.spoolStats().retrying === false && server.docs.size >= flushed && sinkIdle(sink), 'the spool to drain', 60_000);
  await sink.close();
  const got = received(server);
  // Records after the last flush may or may not have reached the page cache; those up to it must.
  assert.deepEqual(got.slice(0, flushed), range(flushed));
  assert.deepEqual(got, range(got.length), 'what arrived is a gap-free prefix');
  // A kill inside a write leaves a record cut short at the end of the segment: the reader
  // skips it and counts it, once. Nothing before it is lost (above).
  assert.ok(sink.gaps() <= 1, `at most the torn tail is skipped (gaps ${sink.gaps()})`);
});

function sinkIdle(sink: { spoolStats(): { inMemory: number; spoolBytes: number } }): boolean {
  return sink.spoolStats().inMemory === 0;
}

test('receiver outage: records wait on disk with bounded memory, then all arrive once', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const memoryQueueMax = 500;
  const batchSize = 200;
  const sink = esSink(`http://127.0.0.1:${port}`, path.join(dir, 'spool'), { memoryQueueMax, batchSize });
  t.after(() => sink.close());
  const N = 20_000;
  const maxInMemory = await fillWhileAway(sink, N, 100, (i) => sink.write(numberedEvent(i)));
  await sink.flush();
  await waitFor(() => sink.spoolStats().retries >= 3, 'a few failed attempts');
  const during = sink.spoolStats();
  assert.equal(during.delivered, 0);
  assert.ok(during.retrying);
  assert.ok(during.spoolBytes > N * 500, `records are on disk (${during.spoolBytes} bytes)`);
  assert.ok(maxInMemory <= memoryQueueMax + batchSize, `memory held at most ${maxInMemory} records`);

  const server = await startBulkServer({ port });
  t.after(() => server.close());
  await waitFor(() => server.docs.size >= N, `all ${N} records after the outage`, 60_000);
  await sink.close();
  assert.deepEqual(received(server), range(N));
  assert.equal(server.counters.conflicts, 0);
  assert.equal(sink.stats().written, N);
  assert.equal(sink.stats().dropped, 0);
  assert.equal(sink.gaps(), 0);
  assert.equal(sink.spoolStats().retrying, false);
});

test('a full spool drops the oldest records and counts the gap', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const sink = esSink(`http://127.0.0.1:${port}`, path.join(dir, 'spool'), { maxBytes: 256 * 1024, segmentBytes: 32 * 1024, memoryQueueMax: 50 });
  t.after(() => sink.close());
  const N = 3000; // about 2 MB of ECS: far over the 256 KiB limit
  for (let i = 0; i < N; i++) {
    sink.write(numberedEvent(i));
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await sink.flush();
  const full = sink.spoolStats();
  assert.ok(full.spoolBytes <= 256 * 1024, `spool stays within its limit (${full.spoolBytes})`);
  assert.ok(full.dropped > 0, 'records were dropped');
  assert.ok(sink.gaps() >= 1, 'the drop is reported as a gap');

  const server = await startBulkServer({ port });
  t.after(() => server.close());
  await waitFor(() => server.docs.size + sink.stats().dropped >= N, 'the survivors to arrive', 30_000);
  await sink.close();
  const got = received(server);
  assert.equal(got.length + sink.stats().dropped, N, 'every record is either delivered or counted as dropped');
  // Oldest-first dropping leaves the first batch (already in flight, held in memory while it
  // retries) and then a contiguous run of the newest records.
  const gapAt = got.findIndex((v, i) => v !== i);
  assert.ok(gapAt >= 0 && gapAt <= 500, `at most one batch before the gap (${gapAt})`);
  assert.deepEqual(got.slice(gapAt), range(got.length - gapAt, N - (got.length - gapAt)), 'after the gap: the newest records, none missing');
});

test('corrupt bytes and a garbage segment file are skipped and counted, the rest is delivered', async (t) => {
  const N = 1000;
  const { spoolDir, port, first } = await spoolWhileDown(t, N, 200);
  await first.flush();
  await first.close();
  const segs = listSegments(spoolDir);
  assert.equal(segs.length, 1);
  // Overwrite 40 bytes in the middle of the segment: one or two records become unreadable.
  const fd = fs.openSync(segs[0]!.path, 'r+');
  fs.writeSync(fd, Buffer.alloc(40, 0x41), 0, 40, Math.floor(segs[0]!.size / 2));
  fs.closeSync(fd);
  // And a segment file that is nothing but garbage, ordered after the real one (one ordered
  // before the persisted ack position counts as already sent and is removed unread).
  fs.writeFileSync(path.join(spoolDir, 'seg-0000000000000002.dat'), Buffer.from('this is not a spool segment\n'.repeat(100)));

  const { server, sink } = await receiverAndSink(t, port, spoolDir);
  await waitFor(() => server.docs.size >= N - 2 && sink.spoolStats().corruptRegions >= 2 && sinkIdle(sink), 'the readable records', 30_000);
  await new Promise((r) => setTimeout(r, 200));
  await sink.close();
  const got = received(server);
  const s = sink.spoolStats();
  assert.ok(got.length >= N - 2 && got.length < N, `all but the damaged records arrived (${got.length})`);
  assert.equal(s.corruptRegions, 2, 'the damaged region and the garbage file, each counted once');
  assert.ok(s.corruptBytes >= 2800);
  assert.equal(sink.gaps(), 2);
  assert.equal(new Set(got).size, got.length);
  assert.equal(listSegments(spoolDir).length, 0, 'the delivered segments are gone');
});

test('a torn record at the end of a segment (a crash mid-write) is skipped and counted', async (t) => {
  const { spoolDir, port, first } = await spoolWhileDown(t, 100, 100);
  await first.close();
  const seg = listSegments(spoolDir)[0]!;
  fs.truncateSync(seg.path, seg.size - 10);

  const { server, sink } = await receiverAndSink(t, port, spoolDir);
  await waitFor(() => server.docs.size >= 99 && sink.spoolStats().corruptRegions === 1, 'the 99 whole records');
  await sink.close();
  assert.deepEqual(received(server), range(99));
  assert.equal(sink.gaps(), 1);
});

test('close() with the receiver down keeps the records for the next start', async (t) => {
  const { spoolDir, port, first } = await spoolWhileDown(t, 300, 300);
  const started = Date.now();
  await first.close();
  assert.ok(Date.now() - started < 10_000, 'close() gives up on a dead receiver');
  assert.equal(first.stats().written, 0);

  const { server, sink: second } = await receiverAndSink(t, port, spoolDir);
  await waitFor(() => server.docs.size >= 300, 'the records kept from the first run');
  await second.close();
  assert.deepEqual(received(server), range(300));
});

test('a spool directory cannot be opened twice', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const a = esSink(`http://127.0.0.1:${port}`, dir, { closeTimeoutMs: 100 });
  t.after(() => a.close());
  assert.throws(
    () => esSink(`http://127.0.0.1:${port}`, dir),
    (e: unknown) => e instanceof PtError && e.code === 'E_IO',
  );
  await a.close();
  const b = esSink(`http://127.0.0.1:${port}`, dir, { closeTimeoutMs: 100 });
  await b.close();
});

test('below the free-space floor (fs.statfs) the spool counts as full and counts what it drops', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  // A floor no file system can meet: every append is refused and counted.
  const sink = esSink(`http://127.0.0.1:${port}`, path.join(dir, 'spool'), { minFreeBytes: Number.MAX_SAFE_INTEGER, closeTimeoutMs: 100 });
  t.after(() => sink.close());
  for (let i = 0; i < 100; i++) sink.write(numberedEvent(i));
  await sink.flush();
  assert.equal(sink.stats().dropped, 100);
  assert.ok(sink.gaps() >= 1);
  assert.equal(sink.spoolStats().spoolBytes, 0);
  await sink.close();
});
