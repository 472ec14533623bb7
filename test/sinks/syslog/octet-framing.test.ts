import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { octetFrame, octetFrames } from '../../../src/sinks/syslog/octet-framing';

test('a batch framed at once is the frames of its records, back to back', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 50 }), (records) => {
      const { joined, frames } = octetFrames(records);
      const one = records.map(octetFrame);
      assert.deepEqual(
        frames.map((f) => Buffer.from(f)),
        one,
      );
      assert.deepEqual(joined, Buffer.concat(one));
    }),
    { numRuns: 500 },
  );
});

test('the frame counts UTF-8 bytes, not characters', () => {
  assert.equal(octetFrame('é😀\n').toString('utf8'), '7 é😀\n');
});
