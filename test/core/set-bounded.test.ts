import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setBounded } from '../../src/core/set-bounded';

test('never more than max entries; the newest are kept, the oldest go first', () => {
  const m = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    setBounded(m, i, i * 2, 64);
    assert.ok(m.size <= 64);
    assert.equal(m.get(i), i * 2, 'the key just set is there');
  }
  const keys = [...m.keys()];
  assert.deepEqual(
    keys,
    [...keys].sort((a, b) => a - b),
    'insertion order kept',
  );
  assert.equal(keys[keys.length - 1], 999);
  assert.ok(keys[0]! >= 1000 - 64, 'only recent keys remain');
});

test('updating a key that is there never evicts', () => {
  const m = new Map<string, number>([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  setBounded(m, 'b', 20, 3);
  assert.deepEqual(
    [...m.entries()],
    [
      ['a', 1],
      ['b', 20],
      ['c', 3],
    ],
  );
});

test('a map already over its bound (a smaller max) is brought down to it', () => {
  const m = new Map<number, number>();
  for (let i = 0; i < 100; i++) m.set(i, i);
  setBounded(m, 100, 100, 10);
  assert.ok(m.size <= 10);
  assert.equal(m.get(100), 100);
});

test('a full 65,536-entry map keeps taking keys and stays bounded', () => {
  const m = new Map<number, number>();
  for (let i = 0; i < 265_536; i++) setBounded(m, i, i, 65_536);
  assert.ok(m.size <= 65_536);
  assert.equal(m.get(265_535), 265_535);
});
