// A map from non-negative integer keys below 2^53 (the pipeline's 53-bit flow hashes) to
// numbers, in an open-addressing table on two Float64Arrays (linear probing, at most half
// full, backward-shift deletion). In a Map, each such key and each value that is not a small
// integer is a heap object: at thousands of new UDP flows a second that was garbage, rehashing
// and a hash lookup through pointers per datagram.

import { backwardShiftDelete, probeSlot, rehash, tableSlots } from './linear-probing';

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
    const stored = key + 1;
    let slot = probeSlot(this.keys, stored, this.home(key), this.mask);
    if (this.keys[slot] === 0) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        slot = probeSlot(this.keys, stored, this.home(key), this.mask);
      }
      this.keys[slot] = stored;
      this.size++;
    }
    this.values[slot] = value;
  }

  delete(key: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.size--;
    backwardShiftDelete(this.keys, slot, this.mask, this.homeOfStored, this.moveValue);
    return true;
  }

  private find(key: number): number {
    if (!validKey(key)) return -1;
    const stored = key + 1;
    const slot = probeSlot(this.keys, stored, this.home(key), this.mask);
    return this.keys[slot] === stored ? slot : -1;
  }

  private readonly homeOfStored = (stored: number): number => this.home(stored - 1);

  private readonly moveValue = (from: number, to: number): void => {
    this.values[to] = this.values[from]!;
  };

  private home(key: number): number {
    const lo = key >>> 0; // ToUint32: the low 32 bits of an integer below 2^53
    const hi = (key - lo) / TWO_32;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.allocate(keys.length * 2);
    rehash(keys, this.keys, this.mask, this.homeOfStored, (from, to) => {
      this.values[to] = values[from]!;
    });
  }
}

function validKey(key: number): boolean {
  return Number.isInteger(key) && key >= 0 && key < Number.MAX_SAFE_INTEGER;
}
