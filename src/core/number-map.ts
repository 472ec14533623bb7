// A map from non-negative integer keys below 2^53 (the pipeline's 53-bit flow hashes) to
// numbers, in an open-addressing table on two Float64Arrays (linear probing, at most half
// full, backward-shift deletion). In a Map, each such key and each value that is not a small
// integer is a heap object: at thousands of new UDP flows a second that was garbage, rehashing
// and a hash lookup through pointers per datagram.

import { insertSlot, mustGrow, nextShiftSlot, probeSlot, rehash, slotShift, tableSlots } from './linear-probing';

export class NumberMap {
  private keys!: Float64Array; // key + 1; 0 marks an empty slot
  private values!: Float64Array;
  private shift!: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    this.allocate(tableSlots(initialCapacity));
  }

  private allocate(size: number): void {
    this.keys = new Float64Array(size);
    this.values = new Float64Array(size);
    this.shift = slotShift(size);
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
    if (mustGrow(this.size, this.keys.length)) this.grow();
    let slot = insertSlot(this.keys, key + 1, this.shift);
    if (slot < 0) {
      slot = ~slot;
      this.size++;
    }
    this.values[slot] = value;
  }

  delete(key: number): boolean {
    let hole = this.find(key);
    if (hole < 0) return false;
    const { keys, values } = this;
    this.size--;
    for (let j = nextShiftSlot(keys, hole, this.shift); j >= 0; j = nextShiftSlot(keys, hole, this.shift)) {
      keys[hole] = keys[j]!;
      values[hole] = values[j]!;
      hole = j;
    }
    keys[hole] = 0;
    return true;
  }

  private find(key: number): number {
    if (!validKey(key)) return -1;
    const slot = probeSlot(this.keys, key + 1, this.shift);
    return this.keys[slot] === key + 1 ? slot : -1;
  }

  private grow(): void {
    const { keys, values } = this;
    this.allocate(keys.length * 2);
    rehash(keys, this.keys, this.shift, (from, to) => {
      this.values[to] = values[from]!;
    });
  }
}

function validKey(key: number): boolean {
  return Number.isInteger(key) && key >= 0 && key < Number.MAX_SAFE_INTEGER;
}
