import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberFifo } from '../../src/core/number-fifo';

test('numbers come out in the order they went in, across growth and wrap-around', () => {
  const q = new NumberFifo(16);
  const expected: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so the ring wraps before and after it grows.
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < (round % 7) + 3; i++) {
      q.push(next + 0.5);
      expected.push(next + 0.5);
      next++;
    }
    for (let i = 0; i < (round % 5) + 1 && expected.length > 0; i++) assert.equal(q.shift(), expected.shift());
    assert.equal(q.length, expected.length);
    assert.equal(q.peek(), expected.length > 0 ? expected[0] : NaN);
  }
  while (expected.length > 0) assert.equal(q.shift(), expected.shift());
  assert.equal(q.length, 0);
  assert.ok(Number.isNaN(q.shift()), 'empty: NaN');
  assert.ok(Number.isNaN(q.peek()));
});

test('53-bit keys and microsecond times are kept exactly', () => {
  const q = new NumberFifo();
  q.push(2 ** 53 - 1);
  q.push(1_795_750_051_718_123);
  assert.equal(q.shift(), 2 ** 53 - 1);
  assert.equal(q.shift(), 1_795_750_051_718_123);
});
