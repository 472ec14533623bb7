// The Elasticsearch `_bulk` transport and the spooled engine in front of it, against the
// local bulk server (test/helpers/bulk-server.ts): no Elasticsearch or OpenSearch server can
// be installed on this machine, so the wire protocol is checked against that stand-in.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import { PtError } from '../../../src/core/errors';
import { documentId } from '../../../src/sinks/elasticsearch/bulk-body';
import { DEFAULT_DATA_STREAM } from '../../../src/sinks/elasticsearch/options';
import { createElasticsearchTransport } from '../../../src/sinks/elasticsearch/transport';
import { createSpooledSink } from '../../../src/sinks/spool/spooled-sink';
import { makeTestCertificates, startBulkServer, type BulkServer } from '../../helpers/bulk-server';
import { formatEcs, numberedEvent, recordNumber } from '../../helpers/events';
import { waitFor } from '../../helpers/wait';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-es-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const docs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => formatEcs(numberedEvent(from + i)));

function isUsage(e: unknown): boolean {
  return e instanceof PtError && e.code === 'E_USAGE';
}

test('bad Elasticsearch settings are usage errors', () => {
  const mk = (url: string, extra = {}) => createElasticsearchTransport({ url, logger: silentLogger, ...extra });
  assert.throws(() => mk('not a url'), isUsage);
  assert.throws(() => mk('ftp://127.0.0.1:9200'), isUsage);
  assert.throws(() => mk('http://127.0.0.1:9200/?pretty'), isUsage);
  assert.throws(() => mk('http://127.0.0.1:9200', { dataStream: 'Logs-UPPER' }), isUsage);
  assert.throws(() => mk('http://127.0.0.1:9200', { caFile: '/nonexistent/ca.pem' }), isUsage);
  assert.throws(() => mk('https://127.0.0.1:9200', { caFile: '/nonexistent/ca.pem' }), isUsage);
  assert.throws(() => mk('http://127.0.0.1:9200', { apiKey: 'k', username: 'u' }), isUsage);
});

test('send() bulk-creates the documents in the data stream with deterministic ids and plain ndjson', async (t) => {
  const server = await startBulkServer();
  t.after(() => server.close());
  const tr = createElasticsearchTransport({ url: server.url, logger: silentLogger });
  t.after(() => tr.close());
  const batch = docs(3);
  assert.deepEqual(await tr.send(batch), [{ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }]);
  assert.equal(server.docs.size, 3);
  for (const d of batch) assert.equal(server.docs.get(documentId(d))?.index, DEFAULT_DATA_STREAM);
  const req = server.requests[0]!;
  assert.equal(req.headers['content-type'], 'application/x-ndjson');
  assert.ok(!String(req.headers.accept).includes('compatible-with'), 'no compatibility header (Elasticsearch 8 rejects ES-9 ones)');
  assert.equal(req.headers.authorization, undefined);
  assert.ok(
    tr.ownEndpoints!().some((e) => e.ip === '127.0.0.1' && e.port > 0),
    'reports its own socket',
  );
  // A resend of the same documents is a 409, which counts as delivered: no duplicates.
  assert.deepEqual(await tr.send(batch), [{ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }]);
  assert.equal(server.docs.size, 3);
  assert.equal(server.counters.conflicts, 3);
});

test('per-item 429/503 are retried, 400 is fatal with the reason, whole-request 429/503 retry every item', async (t) => {
  const server = await startBulkServer({
    script: [{ items: (i) => [201, 429, 400, 503][i] }, { status: 429, retryAfterSec: 2 }, { status: 503 }, { status: 400 }],
  });
  t.after(() => server.close());
  const tr = createElasticsearchTransport({ url: server.url, logger: silentLogger });
  t.after(() => tr.close());
  const r1 = await tr.send(docs(4));
  assert.deepEqual(
    r1.map((r) => r.kind),
    ['ok', 'retry', 'fatal', 'retry'],
  );
  assert.match((r1[2] as { reason: string }).reason, /^400 scripted: scripted status 400/);
  const r2 = await tr.send(docs(2));
  assert.deepEqual(r2, Array(2).fill({ kind: 'retry', reason: 'HTTP 429: es_rejected_execution_exception: scripted failure', afterMs: 2000 }));
  const r3 = await tr.send(docs(2));
  assert.deepEqual(
    r3.map((r) => r.kind),
    ['retry', 'retry'],
  );
  const r4 = await tr.send(docs(2));
  assert.deepEqual(
    r4.map((r) => r.kind),
    ['fatal', 'fatal'],
  );
});

test('a dropped connection is a retry for every item', async (t) => {
  const server = await startBulkServer({ script: [{ drop: true }] });
  t.after(() => server.close());
  const tr = createElasticsearchTransport({ url: server.url, logger: silentLogger });
  t.after(() => tr.close());
  const r = await tr.send(docs(5));
  assert.equal(r.length, 5);
  assert.ok(
    r.every((x) => x.kind === 'retry'),
    JSON.stringify(r[0]),
  );
  assert.equal(server.counters.dropped, 1);
  assert.deepEqual(
    (await tr.send(docs(5))).map((x) => x.kind),
    Array(5).fill('ok'),
  );
});

test('basic auth and API key headers are sent', async (t) => {
  const server = await startBulkServer();
  t.after(() => server.close());
  const basic = createElasticsearchTransport({ url: server.url, username: 'elastic', password: 'pa:ss', logger: silentLogger });
  await basic.send(docs(1));
  await basic.close();
  const fromUrl = createElasticsearchTransport({ url: server.url.replace('http://', 'http://ingest:s%40cret@'), logger: silentLogger });
  await fromUrl.send(docs(1, 1));
  await fromUrl.close();
  const key = createElasticsearchTransport({ url: server.url, apiKey: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==', logger: silentLogger });
  await key.send(docs(1, 2));
  await key.close();
  assert.equal(server.requests[0]!.headers.authorization, `Basic ${Buffer.from('elastic:pa:ss').toString('base64')}`);
  assert.equal(server.requests[1]!.headers.authorization, `Basic ${Buffer.from('ingest:s@cret').toString('base64')}`);
  assert.equal(server.requests[2]!.headers.authorization, 'ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==');
  assert.equal(server.docs.size, 3);
});

test('TLS: trusts the server through the test CA, and refuses it without the CA', async (t) => {
  const dir = tempDir(t);
  const certs = makeTestCertificates(dir);
  const server = await startBulkServer({ tls: { key: certs.key, cert: certs.cert } });
  t.after(() => server.close());
  const trusted = createElasticsearchTransport({ url: server.url, caFile: certs.caFile, logger: silentLogger });
  t.after(() => trusted.close());
  assert.deepEqual(
    (await trusted.send(docs(2))).map((r) => r.kind),
    ['ok', 'ok'],
  );
  const untrusted = createElasticsearchTransport({ url: server.url, logger: silentLogger });
  t.after(() => untrusted.close());
  const r = await untrusted.send(docs(1, 10));
  assert.equal(r[0]!.kind, 'retry');
  assert.match((r[0] as { reason: string }).reason, /certificate/i);
  assert.equal(server.docs.size, 2);
});

async function deliverThroughSpool(t: { after(fn: () => unknown): void }, server: BulkServer, n: number, dir: string) {
  const sink = createSpooledSink({
    name: 'es',
    format: formatEcs,
    transport: createElasticsearchTransport({ url: server.url, logger: silentLogger, timeoutMs: 2000 }),
    spoolDir: path.join(dir, 'spool'),
    logger: silentLogger,
    batchSize: 100,
    retry: { baseMs: 10, maxMs: 100, factor: 2 },
  });
  t.after(() => sink.close());
  for (let i = 0; i < n; i++) sink.write(numberedEvent(i));
  return sink;
}

test('through the spool: 429, 503, per-item errors and dropped connections lose nothing and duplicate no _id', async (t) => {
  const dir = tempDir(t);
  const server = await startBulkServer({
    script: [
      { status: 429, retryAfterSec: 0 },
      { items: (i) => (i % 7 === 0 ? 429 : i % 11 === 0 ? 503 : undefined) },
      { status: 503 },
      { drop: true },
      'ok',
      { drop: true, afterStore: true }, // stored, but the answer is lost: the resend meets 409
      { items: (i) => (i % 2 ? 429 : undefined) },
      { status: 502 },
    ],
  });
  t.after(() => server.close());
  const N = 2000;
  const sink = await deliverThroughSpool(t, server, N, dir);
  await waitFor(() => server.docs.size >= N && sink.spoolStats().inMemory === 0, 'every record');
  await sink.close();
  const got = [...server.docs.values()].map((d) => recordNumber(d.source)).sort((a, b) => a - b);
  assert.deepEqual(
    got,
    Array.from({ length: N }, (_, i) => i),
    'no loss, and one document per record',
  );
  assert.equal(server.docs.size, N);
  assert.ok(server.counters.conflicts >= 100, 'the batch whose answer was lost was resent and met 409');
  assert.ok(sink.spoolStats().retries >= 7);
  assert.equal(sink.stats().written, N);
  assert.equal(sink.spoolStats().deadLettered, 0);
});

test('a document the server rejects with 400 goes to the dead-letter file with the reason', async (t) => {
  const dir = tempDir(t);
  const server = await startBulkServer();
  server.rejectDoc = (source) =>
    recordNumber(source) % 100 === 42 ? { status: 400, type: 'mapper_parsing_exception', reason: 'failed to parse field [process.pid] of type [keyword]' } : undefined;
  t.after(() => server.close());
  const N = 500;
  const sink = await deliverThroughSpool(t, server, N, dir);
  await waitFor(() => sink.spoolStats().delivered + sink.spoolStats().deadLettered >= N, 'every record answered');
  await sink.close();
  assert.equal(server.docs.size, N - 5);
  assert.equal(sink.spoolStats().deadLettered, 5);
  const lines = fs
    .readFileSync(path.join(dir, 'spool', 'dead-letter.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sink: string; reason: string; record: string });
  assert.deepEqual(
    lines.map((l) => recordNumber(l.record)).sort((a, b) => a - b),
    [42, 142, 242, 342, 442],
  );
  for (const l of lines) {
    assert.equal(l.sink, 'es');
    assert.equal(l.reason, '400 mapper_parsing_exception: failed to parse field [process.pid] of type [keyword]');
  }
  assert.equal(sink.stats().errors, 5);
});
