import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { entityId } from '../../src/process/entity-id';

test('entity id is stable, url-safe and 22 characters', () => {
  const a = entityId('host-1', 1234, 987654);
  assert.equal(a, entityId('host-1', 1234, 987654));
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
});

test('pid reuse, another host or another start time give another id', () => {
  const a = entityId('host-1', 1234, 987654);
  assert.notEqual(a, entityId('host-1', 1234, 987655));
  assert.notEqual(a, entityId('host-2', 1234, 987654));
  assert.notEqual(a, entityId('host-1', 1235, 987654));
  assert.notEqual(entityId('h', 12, 34), entityId('h', 123, 4));
});

test('entity id is sha256(host id)[0..6] | pid (4 bytes) | start ticks (6 bytes), base64url', () => {
  // Ids are stored and compared across versions and tiers: the layout must not drift.
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (h, pid, ticks) => {
      const bytes = Buffer.from(entityId(h, pid, ticks), 'base64url');
      assert.equal(bytes.length, 16);
      assert.ok(bytes.subarray(0, 6).equals(createHash('sha256').update(h).digest().subarray(0, 6)));
      assert.equal(bytes.readUInt32BE(6), pid);
      assert.equal(bytes.readUIntBE(10, 6), ticks);
    }),
    { numRuns: 2000 },
  );
});

test('one host: different (pid, start) pairs never share an id', () => {
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.nat(), fc.nat(), (p1, t1, p2, t2) => {
      fc.pre(p1 !== p2 || t1 !== t2);
      assert.notEqual(entityId('host', p1, t1), entityId('host', p2, t2));
    }),
    { numRuns: 2000 },
  );
});

test('values no kernel gives (negative, fractional, beyond 48 bits) still get a stable id of the same form', () => {
  for (const [pid, ticks] of [
    [-1, 5],
    [5, 2 ** 50],
    [1.5, 2],
  ] as const) {
    const id = entityId('host', pid, ticks);
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(id, entityId('host', pid, ticks));
  }
});
