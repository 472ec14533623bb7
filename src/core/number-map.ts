// A map from non-negative integer keys below 2^53 (the pipeline's 53-bit flow hashes) to
// numbers, in an open-addressing table on two Float64Arrays (linear probing, at most half
// full, backward-shift deletion). In a Map, each such key and each value that is not a small
// integer is a heap object: at thousands of new UDP flows a second that was garbage, rehashing
// and a hash lookup through pointers per datagram.

import { mayFillHole, tableSlots } from './linear-probing';

const TWO_32 = 0x100000000;

export class NumberMap {
  private keys!: Float64Array; // key + 1; 0 marks an empty slot
  private values!: Float64Array;
  private mask!: number;
  private shift!: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    this.allocate(tableSlots(initialCapacity));
  }

  private allocate(size: number): void {
    this.keys = new Float64Array(size);
    this.values = new Float64Array(size);
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
  }

  /** The value of key; NaN when absent. */
  get(key: number): number {
    const slot = this.find(key);
    return slot < 0 ? NaN : this.values[slot]!;
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  set(key: number, value: number): void {
    if (!validKey(key)) throw new RangeError(`NumberMap: key ${key} is not an integer in [0, 2^53 - 1)`);
    let slot = this.find(key);
    if (slot < 0) {
      if ((this.size + 1) * 2 > this.keys.length) this.grow();
      slot = this.home(key);
      while (this.keys[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = key + 1;
      this.size++;
    }
    this.values[slot] = value;
  }

  delete(key: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    const keys = this.keys;
    const mask = this.mask;
    this.size--;
    // Backward shift: later entries of the probe run move into the hole when their home allows.
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === 0) break;
      const home = this.home(k - 1);
      if (!mayFillHole(hole, j, home)) continue;
      keys[hole] = k;
      this.values[hole] = this.values[j]!;
      hole = j;
    }
    keys[hole] = 0;
    return true;
  }

  private find(key: number): number {
    if (!validKey(key)) return -1;
    const keys = this.keys;
    const stored = key + 1;
    let i = this.home(key);
    for (;;) {
      const k = keys[i]!;
      if (k === stored) return i;
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  private home(key: number): number {
    const lo = key >>> 0; // ToUint32: the low 32 bits of an integer below 2^53
    const hi = (key - lo) / TWO_32;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.allocate(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === 0) continue;
      let slot = this.home(k - 1);
      while (this.keys[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = k;
      this.values[slot] = values[i]!;
    }
  }
}

function validKey(key: number): boolean {
  return Number.isInteger(key) && key >= 0 && key < Number.MAX_SAFE_INTEGER;
}
