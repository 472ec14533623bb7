import { test } from 'node:test';
import assert from 'node:assert/strict';
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
