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
  // No ambiguity from concatenation: (12, 34) vs (123, 4).
  assert.notEqual(entityId('h', 12, 34), entityId('h', 123, 4));
});

test('entity id is sha256(hostId NUL pid NUL startTicks), base64url, first 22 characters', () => {
  // Ids are stored and compared across versions and tiers: the hashing must not drift.
  const reference = (h: string, pid: number, ticks: number) =>
    createHash('sha256').update(`${h}\0${pid}\0${ticks}`).digest('base64url').slice(0, 22);
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(), fc.nat(), (h, pid, ticks) => {
      assert.equal(entityId(h, pid, ticks), reference(h, pid, ticks));
    }),
    { numRuns: 2000 },
  );
});
