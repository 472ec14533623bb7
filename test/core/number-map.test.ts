import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberMap } from '../../src/core/number-map';
import { assertBehavesAsMap } from '../helpers/map-oracle';

test('NumberMap behaves as a Map of 53-bit keys to numbers, through growth and deletes', () => {
  assertBehavesAsMap(() => new NumberMap(4), { smallKeys: 41 });
});

test('NumberMap: deletes inside long probe runs keep the rest findable', () => {
  const map = new NumberMap(8);
  const keys = Array.from({ length: 5000 }, (_, i) => i * 2 ** 33 + 17);
  keys.forEach((k, i) => {
    map.set(k, i);
  });
  keys.forEach((k, i) => {
    if (i % 2 === 0) assert.ok(map.delete(k));
  });
  keys.forEach((k, i) => {
    assert.ok(Object.is(map.get(k), i % 2 === 0 ? NaN : i));
  });
  assert.equal(map.size, 2500);
});

test('NumberMap: an absent or impossible key reads as NaN; setting one is refused', () => {
  const map = new NumberMap();
  assert.ok(Number.isNaN(map.get(5)));
  assert.ok(Number.isNaN(map.get(-1)));
  assert.ok(Number.isNaN(map.get(0.5)));
  assert.equal(map.delete(2 ** 60), false);
  assert.throws(() => map.set(-1, 1), RangeError);
  assert.throws(() => map.set(Number.MAX_SAFE_INTEGER, 1), RangeError);
});
