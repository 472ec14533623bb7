import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayFillHole, tableSlots } from '../../src/core/linear-probing';

test('tableSlots: a power of two, at least twice the capacity, at least 16', () => {
  assert.equal(tableSlots(0), 16);
  assert.equal(tableSlots(8), 16);
  assert.equal(tableSlots(9), 32);
  assert.equal(tableSlots(1024), 2048);
});

test('mayFillHole: an entry moves back unless its home lies cyclically in (hole, j]', () => {
  // No wrap: hole 4, entry at 7.
  assert.equal(mayFillHole(4, 7, 2), true, 'home before the hole');
  assert.equal(mayFillHole(4, 7, 4), true, 'home at the hole');
  assert.equal(mayFillHole(4, 7, 5), false);
  assert.equal(mayFillHole(4, 7, 7), false, 'home at its own slot');
  assert.equal(mayFillHole(4, 7, 9), true, 'home after j: it wrapped around to get here');
  // Wrapped: hole 14, entry at 1 (table of 16).
  assert.equal(mayFillHole(14, 1, 13), true);
  assert.equal(mayFillHole(14, 1, 15), false);
  assert.equal(mayFillHole(14, 1, 0), false);
  assert.equal(mayFillHole(14, 1, 1), false);
});
