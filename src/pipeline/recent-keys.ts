// A bounded memory of connections already recorded, so a reconciliation snapshot after a
// loss adds only what the kernel tier missed. Two generations: when the young one is full
// the old one is dropped whole — no per-key bookkeeping.
//
// Every record adds a key, thousands a second, and the keys are 53-bit numbers: in a Set each
// would be a heap object that the garbage collector copies and scans until it is dropped. Here
// each generation is an open-addressing table in a Float64Array (core/linear-probing): no
// object per key at all.
import { insertSlot, probeSlot, slotShift, tableSlots } from '../core/linear-probing';

export class RecentKeys {
  private young: KeyTable;
  private old: KeyTable;

  constructor(max: number) {
    const perGeneration = Math.max(1, Math.ceil(max / 2));
    this.young = new KeyTable(perGeneration);
    this.old = new KeyTable(perGeneration);
  }

  add(key: number): void {
    if (this.young.isFull()) {
      const dropped = this.old;
      this.old = this.young;
      dropped.clear();
      this.young = dropped;
    }
    this.young.add(key);
  }

  has(key: number): boolean {
    return this.young.has(key) || this.old.has(key);
  }
}

/** A set of non-negative integers below 2^53 with a fixed capacity, linear probing, at most half full. */
class KeyTable {
  private readonly slots: Float64Array; // key + 1; 0 marks an empty slot
  private readonly shift: number;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Float64Array(tableSlots(capacity));
    this.shift = slotShift(this.slots.length);
  }

  isFull(): boolean {
    return this.count >= this.capacity;
  }

  add(key: number): void {
    if (insertSlot(this.slots, key + 1, this.shift) < 0) this.count++;
  }

  has(key: number): boolean {
    return this.slots[probeSlot(this.slots, key + 1, this.shift)] !== 0;
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }
}
