import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flowHash } from '../../src/pipeline/flow-hash';

test('flow hashes are exact integers, equal for equal keys and distinct across many keys', () => {
  const seen = new Map<number, string>();
  fc.assert(
    fc.property(fc.constantFrom('tcp', 'udp'), fc.ipV4(), fc.nat(65535), fc.ipV6(), fc.nat(65535), fc.integer({ min: -1, max: 4_194_304 }), (t, a, p, b, q, pid) => {
      const h = flowHash(t, a, p, b, q, pid);
      assert.ok(Number.isSafeInteger(h) && h >= 0);
      assert.equal(flowHash(t, a, p, b, q, pid), h);
      const key = [t, a, p, b, q, pid].join(' ');
      const other = seen.get(h);
      assert.ok(other === undefined || other === key, `collision: ${key} and ${other}`);
      seen.set(h, key);
    }),
    { numRuns: 20000 },
  );
  assert.notEqual(flowHash('tcp', '1.2.3.4', 1, '5.6.7.8', 2), flowHash('tcp', '5.6.7.8', 2, '1.2.3.4', 1));
  assert.notEqual(flowHash('tcp', '1.2.3.4', 1, '5.6.7.8', 2), flowHash('udp', '1.2.3.4', 1, '5.6.7.8', 2));
});
