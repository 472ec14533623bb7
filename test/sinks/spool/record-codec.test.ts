import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32 } from '../../../src/sinks/spool/crc32';
import { decodeRecord, encodeRecords, HEADER_BYTES } from '../../../src/sinks/spool/record-codec';
import { decodeAck, encodeAck } from '../../../src/sinks/spool/segment-files';

test('crc32 matches the IEEE check value and zlib-style results', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  // Sub-ranges agree with a copy (slicing-by-4 path and the byte tail).
  const b = crypto.randomBytes(1001);
  assert.equal(crc32(b, 3, 998), crc32(Buffer.from(b.subarray(3, 998))));
});

function decodeAll(buf: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const r = decodeRecord(buf, pos, buf.length);
    assert.equal(r.kind, 'record');
    if (r.kind !== 'record') break;
    out.push(r.payload);
    pos = r.next;
  }
  return out;
}

test('records round-trip, including multi-byte text and empty records', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 20 }), (xs) => {
      assert.deepEqual(decodeAll(encodeRecords(xs)), xs);
    }),
  );
});

test('a flipped byte is found by the checksum and decoding resumes at the next record', () => {
  const buf = encodeRecords(['first record', 'second record', 'third record']);
  const second = HEADER_BYTES + 'first record'.length;
  buf[second + HEADER_BYTES + 2]! ^= 0xff;
  const r = decodeRecord(buf, second, buf.length);
  assert.equal(r.kind, 'corrupt');
  if (r.kind !== 'corrupt') return;
  assert.equal(r.reason, 'checksum mismatch');
  const third = decodeRecord(buf, r.next, buf.length);
  assert.deepEqual(third.kind === 'record' && third.payload, 'third record');
});

test('garbage is corrupt, a cut record is partial, an absurd length is corrupt', () => {
  const junk = Buffer.from('no magic here at all');
  const r = decodeRecord(junk, 0, junk.length);
  assert.deepEqual(r.kind === 'corrupt' && r.next, -1);
  const one = encodeRecords(['hello world']);
  assert.deepEqual(decodeRecord(one, 0, one.length - 1), { kind: 'partial', need: one.length });
  assert.deepEqual(decodeRecord(one, 0, 5), { kind: 'partial', need: HEADER_BYTES });
  const big = Buffer.from(one);
  big.writeUInt32LE(0x7fffffff, 4);
  assert.equal(decodeRecord(big, 0, big.length).kind, 'corrupt');
});

test('the ack position round-trips and a damaged one is refused', () => {
  const b = encodeAck({ seq: 12345, offset: 987654321 });
  assert.deepEqual(decodeAck(b), { seq: 12345, offset: 987654321 });
  b[10]! ^= 1;
  assert.equal(decodeAck(b), undefined);
  assert.equal(decodeAck(Buffer.alloc(3)), undefined);
});
