import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homeSlot, insertSlot, mayFillHole, mustGrow, nextShiftSlot, probeSlot, rehash, slotShift, tableSlots } from '../../src/core/linear-probing';
import { assertBehavesAsMap } from '../helpers/map-oracle';

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

/**
 * The smallest table built from the shared helpers: keys with a value column, deleted by
 * backward shift and grown by rehash. It starts at 16 slots, so a few dozen keys make long
 * probe runs and runs that wrap around the end, where backward shift is easiest to get wrong.
 */
class TinyTable {
  keys = new Float64Array(tableSlots(2));
  values: number[] = new Array<number>(this.keys.length).fill(0);
  shift = slotShift(this.keys.length);
  size = 0;

  has(key: number): boolean {
    return this.keys[probeSlot(this.keys, key + 1, this.shift)] !== 0;
  }

  get(key: number): number | undefined {
    const slot = probeSlot(this.keys, key + 1, this.shift);
    return this.keys[slot] === 0 ? undefined : this.values[slot];
  }

  set(key: number, value: number): void {
    if (mustGrow(this.size, this.keys.length)) this.grow();
    const slot = insertSlot(this.keys, key + 1, this.shift);
    if (slot < 0) this.size++;
    this.values[slot < 0 ? ~slot : slot] = value;
  }

  delete(key: number): boolean {
    let hole = probeSlot(this.keys, key + 1, this.shift);
    if (this.keys[hole] === 0) return false;
    this.size--;
    for (let j = nextShiftSlot(this.keys, hole, this.shift); j >= 0; j = nextShiftSlot(this.keys, hole, this.shift)) {
      this.keys[hole] = this.keys[j]!;
      this.values[hole] = this.values[j]!;
      hole = j;
    }
    this.keys[hole] = 0;
    return true;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Array<number>(this.keys.length).fill(0);
    this.shift = slotShift(this.keys.length);
    rehash(keys, this.keys, this.shift, (from, to) => {
      this.values[to] = values[from]!;
    });
  }
}

test('probeSlot, insertSlot, nextShiftSlot and rehash make a table that behaves as a Map', () => {
  assertBehavesAsMap(() => new TinyTable(), {
    smallKeys: 64,
    numRuns: 500,
    invariant: (table) => assert.ok(table.size * 2 <= (table as TinyTable).keys.length, 'at most half full'),
  });
});

test('homeSlot: below 2^32 it is Fibonacci hashing; above, the high bits change the slot', () => {
  const shift = slotShift(1024);
  for (const k of [0, 1, 17, 4242, 0x7fffffff, 0xffffffff]) assert.equal(homeSlot(k, shift), Math.imul(k, 0x9e3779b1) >>> shift);
  const homes = new Set(Array.from({ length: 64 }, (_, i) => homeSlot(5 + i * 2 ** 32, shift)));
  assert.ok(homes.size > 32, `keys alike in their low 32 bits spread over ${homes.size} of 64 slots`);
});
