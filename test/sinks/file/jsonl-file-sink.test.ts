import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileSink } from '../../../src/sinks/file/jsonl-file-sink';
import { ecsLine } from '../../../src/format/ecs';
import { createRecordFormatter } from '../../../src/format/registry';
import { PtError } from '../../../src/core/errors';
import { silentLogger } from '../../../src/core/context';
import { capturedLogger, ERROR } from '../../helpers/captured-log';
import { env, egressEvent, ingressEvent } from '../../helpers/events';

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-file-sink-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'out.jsonl');
}

test('every record is one valid JSON line, in order, across many batches', async (t) => {
  const file = tempFile(t);
  const sink = createFileSink({ path: file, format: (ev) => ecsLine(ev, env), batchBytes: 4096, logger: silentLogger });
  const names = ['plain', 'new\nline', 'quote"back\\slash', 'tab\tnul\u0000', 'emoji 😀', 'sep\u2028x', 'x'.repeat(20000)];
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const ev = egressEvent({ local: { ip: '10.0.0.1', port: 1024 + i } });
    sink.write({ ...ev, process: { ...ev.process!, name: names[i % names.length]! } });
  }
  await sink.close();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a newline');
  assert.equal(lines.length, N);
  lines.forEach((l, i) => {
    const doc = JSON.parse(l);
    assert.equal(doc.source.port, 1024 + i);
    assert.equal(doc.process.name, names[i % names.length]);
  });
  assert.deepEqual(sink.stats(), { written: N, dropped: 0, errors: 0, skipped: 0 });
});

test('records the format does not report are skipped: counted, not written, not errors', async (t) => {
  const file = tempFile(t);
  const sigma = createRecordFormatter('sigma', env);
  const sink = createFileSink({ path: file, format: sigma.line, reports: sigma.reports, logger: silentLogger });
  const listen = ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 } });
  const refused = egressEvent({ outcome: 'failure', errno: 111 });
  for (const ev of [egressEvent(), listen, refused, ingressEvent(), egressEvent({ action: 'connection_closed' })]) sink.write(ev);
  await sink.close();
  const docs = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    docs.map((d) => d['packettrail.action']),
    ['connection_attempted', 'connection_accepted'],
  );
  assert.deepEqual(sink.stats(), { written: 2, dropped: 0, errors: 0, skipped: 3 });
});

test('appends to an existing file and counts writes after close as dropped', async (t) => {
  const file = tempFile(t);
  fs.writeFileSync(file, 'earlier\n');
  const sink = createFileSink({ path: file, format: () => 'x', logger: silentLogger });
  sink.write(egressEvent());
  await sink.close();
  sink.write(egressEvent());
  assert.equal(fs.readFileSync(file, 'utf8'), 'earlier\nx\n');
  assert.equal(sink.stats().dropped, 1);
});

test('an unwritable path is a usage error naming the path', () => {
  assert.throws(
    () => createFileSink({ path: '/nonexistent-dir/out.jsonl', format: () => '', logger: silentLogger }),
    (e: unknown) => e instanceof PtError && e.code === 'E_USAGE' && e.message.includes('/nonexistent-dir/out.jsonl'),
  );
});

// /dev/full opens for append like a file and fails every write with ENOSPC: a disk that is full.
const noDevFull = fs.existsSync('/dev/full') ? false : 'no /dev/full on this host';

test('a failed write is counted and logged (rate-limited) with the error as err', { skip: noDevFull }, async () => {
  const { logger, lines } = capturedLogger();
  const sink = createFileSink({ path: '/dev/full', format: () => 'x', logger });
  const batches = 25;
  for (let i = 0; i < batches; i++) {
    sink.write(egressEvent());
    sink.write(egressEvent());
    await sink.flush();
  }
  await sink.close();
  assert.deepEqual(sink.stats(), { written: 0, dropped: 2 * batches, errors: batches, skipped: 0 });
  assert.equal(lines.length, 10, 'the first ten failures are logged, the rest wait for the next minute');
  for (const l of lines) {
    assert.equal(l.level, ERROR);
    assert.equal(l.msg, 'write failed; records dropped');
    assert.equal(l.component, 'file-sink');
    assert.equal(l.path, '/dev/full');
    assert.equal(l.dropped, 2);
    assert.equal(l.err?.code, 'ENOSPC');
    assert.equal(l.err?.type, 'Error');
  }
});
