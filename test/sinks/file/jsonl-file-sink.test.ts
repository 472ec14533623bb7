import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileSink } from '../../../src/sinks/file/jsonl-file-sink';
import { ecsLine } from '../../../src/format/ecs';
import { PtError } from '../../../src/core/errors';
import { env, egressEvent } from '../../helpers/events';

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-file-sink-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'out.jsonl');
}

test('every record is one valid JSON line, in order, across many batches', async (t) => {
  const file = tempFile(t);
  const sink = createFileSink({ path: file, format: (ev) => ecsLine(ev, env), batchBytes: 4096 });
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
  assert.deepEqual(sink.stats(), { written: N, dropped: 0, errors: 0 });
});

test('appends to an existing file and counts writes after close as dropped', async (t) => {
  const file = tempFile(t);
  fs.writeFileSync(file, 'earlier\n');
  const sink = createFileSink({ path: file, format: () => 'x' });
  sink.write(egressEvent());
  await sink.close();
  sink.write(egressEvent());
  assert.equal(fs.readFileSync(file, 'utf8'), 'earlier\nx\n');
  assert.equal(sink.stats().dropped, 1);
});

test('an unwritable path is a usage error naming the path', () => {
  assert.throws(() => createFileSink({ path: '/nonexistent-dir/out.jsonl', format: () => '' }), (e: unknown) => e instanceof PtError && e.code === 'E_USAGE' && e.message.includes('/nonexistent-dir/out.jsonl'));
});
