import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { SHA1_BASE64_LENGTH, SHA1_ONE_BLOCK_MAX, sha1OneBlock, writeDigestBase64 } from '../../src/format/sha1';

function jsSha1Base64(m: Uint8Array): string {
  const digest = new Int32Array(5);
  sha1OneBlock(m, m.length, digest);
  const out = Buffer.alloc(SHA1_BASE64_LENGTH);
  writeDigestBase64(digest, out, 0);
  return out.toString('latin1');
}

test('sha1OneBlock and its base64 equal node:crypto for every length that fits one block', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: SHA1_ONE_BLOCK_MAX }), (m) => {
      assert.equal(jsSha1Base64(m), crypto.createHash('sha1').update(m).digest('base64'));
    }),
    { numRuns: 3000 },
  );
  // FIPS 180 example "abc".
  assert.equal(Buffer.from(jsSha1Base64(Buffer.from('abc')), 'base64').toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
});

test('sha1OneBlock refuses a message longer than one block', () => {
  assert.throws(() => sha1OneBlock(new Uint8Array(56), 56, new Int32Array(5)), RangeError);
});

test('writeDigestBase64 writes only its 28 bytes', () => {
  const out = Buffer.alloc(40, 0x2a);
  const digest = new Int32Array([-1, 0, 0x12345678, -0x1234568, 7]);
  writeDigestBase64(digest, out, 6);
  assert.equal(out.subarray(0, 6).toString('latin1'), '******');
  assert.equal(out.subarray(34).toString('latin1'), '******');
  const bytes = Buffer.alloc(20);
  digest.forEach((w, i) => {
    bytes.writeInt32BE(w, i * 4);
  });
  assert.equal(out.subarray(6, 34).toString('latin1'), bytes.toString('base64'));
});
