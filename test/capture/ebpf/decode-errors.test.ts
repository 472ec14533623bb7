// Records that do not decode are counted by kind and logged under the rate limit, through the
// same handler the ebpf source gives its ring reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordDecoder, type DecodedEvents } from '../../../src/capture/ebpf/decode-record';
import { decodeCounting } from '../../../src/capture/ebpf/decode-counting';
import { DecodeErrorCounts } from '../../../src/capture/decode-errors';
import type { SourceStats } from '../../../src/core/stages';
import * as L from '../../../src/capture/ebpf/record-layout';
import { capturedLogger, WARN } from '../../helpers/captured-log';

function record(kind: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(kind, L.HEADER.kind);
  b.writeUInt32LE(4242, L.HEADER.pid);
  return b;
}

function feed(handler: (bytes: Uint8Array, view: DataView, at: number, len: number) => void, b: Buffer): void {
  handler(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

test('a truncated, an unknown and a bad record are counted by kind; a good one as an event', () => {
  const { logger, lines } = capturedLogger();
  const stats: SourceStats = { events: 0, lost: 0 };
  const errors = new DecodeErrorCounts(logger.child({ component: 'ebpf' }));
  const seen: unknown[] = [];
  const events: DecodedEvents = { connection: (ev) => void seen.push(ev), process: (ev) => void seen.push(ev) };
  const handle = decodeCounting(new RecordDecoder({ offsetUs: 0 }), events, stats, errors);

  feed(handle, record(L.KIND.exit, L.HEADER.size));
  feed(handle, record(L.KIND.conn, 12)); // shorter than the header
  feed(handle, record(L.KIND.conn, L.CONN.size - 1)); // shorter than a connection record
  feed(handle, record(99, L.HEADER.size));
  feed(handle, record(L.KIND.conn, L.CONN.size)); // action 0 is no action

  assert.equal(stats.events, 1);
  assert.equal(seen.length, 1);
  assert.deepEqual(errors.counts(), { truncated: 2, unknown_kind: 1, bad_field: 1 });
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.component, l.kind, l.err?.code, l.bytes]),
    [
      [WARN, 'record did not decode', 'ebpf', 'truncated', 'E_DECODE', 12],
      [WARN, 'record did not decode', 'ebpf', 'truncated', 'E_DECODE', L.CONN.size - 1],
      [WARN, 'record did not decode', 'ebpf', 'unknown_kind', 'E_DECODE', L.HEADER.size],
      [WARN, 'record did not decode', 'ebpf', 'bad_field', 'E_DECODE', L.CONN.size],
    ],
  );
  assert.match(lines[0]!.err!.message, /shorter than its header/);
});

test('a flood of bad records is counted in full and logged ten times', () => {
  const { logger, lines } = capturedLogger();
  const stats: SourceStats = { events: 0, lost: 0 };
  const errors = new DecodeErrorCounts(logger);
  const handle = decodeCounting(new RecordDecoder({ offsetUs: 0 }), { connection() {}, process() {} }, stats, errors);
  for (let i = 0; i < 5000; i++) feed(handle, record(L.KIND.fork, L.HEADER.size));
  assert.deepEqual(errors.counts(), { truncated: 5000 });
  assert.equal(lines.length, 10);
  assert.ok(lines.every((l) => l.suppressed === undefined));
});

test('the counts handed out are a copy', () => {
  const errors = new DecodeErrorCounts(capturedLogger().logger);
  errors.note('truncated', 'x');
  const first = errors.counts();
  errors.note('truncated', 'x');
  assert.deepEqual(first, { truncated: 1 });
  assert.deepEqual(errors.counts(), { truncated: 2 });
});
