import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backwardShiftDelete, mayFillHole, probeSlot, rehash, tableSlots } from '../../src/core/linear-probing';

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
 * The smallest table built from the shared helpers: keys with a value column, grown by rehash.
 * Its hash keeps only the low bits, so keys that differ above them share a home: long probe
 * runs and runs that wrap around the end, where backward shift is easiest to get wrong.
 */
class TinyTable {
  keys = new Float64Array(tableSlots(2));
  values: number[] = new Array<number>(this.keys.length).fill(0);
  size = 0;
  private get mask(): number {
    return this.keys.length - 1;
  }
  private readonly homeOf = (stored: number): number => ((stored - 1) * 3) & this.mask;
  private readonly move = (from: number, to: number): void => {
    this.values[to] = this.values[from]!;
  };

  get(key: number): number | undefined {
    const slot = probeSlot(this.keys, key + 1, this.homeOf(key + 1), this.mask);
    return this.keys[slot] === 0 ? undefined : this.values[slot];
  }

  set(key: number, value: number): void {
    let slot = probeSlot(this.keys, key + 1, this.homeOf(key + 1), this.mask);
    if (this.keys[slot] === 0) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        slot = probeSlot(this.keys, key + 1, this.homeOf(key + 1), this.mask);
      }
      this.keys[slot] = key + 1;
      this.size++;
    }
    this.values[slot] = value;
  }

  delete(key: number): boolean {
    const slot = probeSlot(this.keys, key + 1, this.homeOf(key + 1), this.mask);
    if (this.keys[slot] === 0) return false;
    this.size--;
    const hole = backwardShiftDelete(this.keys, slot, this.mask, this.homeOf, this.move);
    assert.equal(this.keys[hole], 0);
    this.values[hole] = 0;
    return true;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Array<number>(this.keys.length).fill(0);
    rehash(keys, this.keys, this.mask, this.homeOf, (from, to) => {
      this.values[to] = values[from]!;
    });
  }
}

test('probeSlot, backwardShiftDelete and rehash make a table that behaves as a Map', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 20 }).map((k) => k * 4096));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), key, fc.integer()), { maxLength: 400 }), (ops) => {
      const table = new TinyTable();
      const model = new Map<number, number>();
      for (const [isSet, k, v] of ops) {
        if (isSet) {
          table.set(k, v);
          model.set(k, v);
        } else assert.equal(table.delete(k), model.delete(k));
        assert.equal(table.size, model.size);
        assert.ok(table.size * 2 <= table.keys.length, 'at most half full');
      }
      for (const [k, v] of model) assert.equal(table.get(k), v);
      for (let k = 0; k < 64; k++) assert.equal(table.get(k), model.get(k));
      for (let k = 0; k <= 20; k++) assert.equal(table.get(k * 4096), model.get(k * 4096));
    }),
    { numRuns: 500 },
  );
});
