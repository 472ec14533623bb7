// The process table's storage: pid → value, with the time the process exited beside it, in an
// open-addressing table on typed arrays (linear probing, at most half full, backward-shift
// deletion: no tombstones). It replaces two Maps (entries and exit times): every connection
// record and every fork, exit and sweep looked a pid up in both, and at thousands of processes
// a second those hash lookups were about a seventh of the sensor's CPU. Here one probe finds
// the slot, and the value, the exit time and the insertion order are read from it.

import { insertSlot, mustGrow, nextShiftSlot, probeSlot, rehash, slotShift, tableSlots } from '../core/linear-probing';

/** Pids are non-negative and below pid_max (at most 2^22); anything else is never stored. */
function validPid(pid: number): boolean {
  return (pid | 0) === pid && pid >= 0 && pid < 0x7fffffff;
}

export class PidTable<V> {
  // pid + 1; 0 marks an empty slot. Float64 like the other tables: one key type keeps the
  // shared probe monomorphic.
  private keys!: Float64Array;
  private values!: (V | undefined)[];
  private exits!: Float64Array; // exit time (ms); NaN while the process lives
  private seqs!: Float64Array; // insertion number: the table's age order
  private shift!: number;
  private nextSeq = 1;
  private count = 0;
  private exitedCount = 0;

  constructor(initialCapacity = 1024) {
    this.allocate(tableSlots(initialCapacity));
  }

  private allocate(size: number): void {
    this.keys = new Float64Array(size);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.exits = new Float64Array(size).fill(NaN);
    this.seqs = new Float64Array(size);
    this.shift = slotShift(size);
  }

  get size(): number {
    return this.count;
  }

  /** Entries with an exit time. */
  get exited(): number {
    return this.exitedCount;
  }

  /** The slot holding pid, or -1. */
  private find(pid: number): number {
    if (!validPid(pid)) return -1;
    const slot = probeSlot(this.keys, pid + 1, this.shift);
    return this.keys[slot] === pid + 1 ? slot : -1;
  }

  get(pid: number): V | undefined {
    const slot = this.find(pid);
    return slot < 0 ? undefined : this.values[slot];
  }

  has(pid: number): boolean {
    return this.find(pid) >= 0;
  }

  /** pid's value while its process lives; undefined when it exited or is absent. */
  getLive(pid: number): V | undefined {
    const slot = this.find(pid);
    return slot < 0 || !Number.isNaN(this.exits[slot]!) ? undefined : this.values[slot];
  }

  /** Replaces pid's value, keeping its exit time and age; false when pid is absent. */
  replace(pid: number, value: V): boolean {
    const slot = this.find(pid);
    if (slot < 0) return false;
    this.values[slot] = value;
    return true;
  }

  /**
   * pid's value as revise makes it from the stored one and its exit time (NaN while it lives),
   * stored in its place (exit time and age kept); undefined when pid is absent. One probe.
   */
  revise(pid: number, revise: (value: V, exitedAt: number) => V): V | undefined {
    const slot = this.find(pid);
    if (slot < 0) return undefined;
    const value = revise(this.values[slot]!, this.exits[slot]!);
    this.values[slot] = value;
    return value;
  }

  /** Deletes pid if its exit time is at (the exit queued then); false when absent, live, or reused since. */
  deleteIfExitedAt(pid: number, at: number): boolean {
    const slot = this.find(pid);
    if (slot < 0 || this.exits[slot] !== at) return false;
    this.deleteAt(slot);
    return true;
  }

  /** The exit time of pid; NaN when it lives or is absent. */
  exitTime(pid: number): number {
    const slot = this.find(pid);
    return slot < 0 ? NaN : this.exits[slot]!;
  }

  /** Inserts or replaces pid as a live process, the youngest entry. */
  set(pid: number, value: V): void {
    if (!validPid(pid)) return;
    if (mustGrow(this.count, this.keys.length)) this.grow();
    let slot = insertSlot(this.keys, pid + 1, this.shift);
    if (slot < 0) {
      slot = ~slot;
      this.count++;
    } else if (!Number.isNaN(this.exits[slot]!)) {
      this.exitedCount--;
    }
    this.values[slot] = value;
    this.exits[slot] = NaN;
    this.seqs[slot] = this.nextSeq++;
  }

  /** Records pid's exit at time at; false when pid is absent or already exited. */
  markExited(pid: number, at: number): boolean {
    const slot = this.find(pid);
    if (slot < 0 || !Number.isNaN(this.exits[slot]!)) return false;
    this.exits[slot] = at;
    this.exitedCount++;
    return true;
  }

  delete(pid: number): boolean {
    const slot = this.find(pid);
    if (slot < 0) return false;
    this.deleteAt(slot);
    return true;
  }

  /** Deletes the oldest `count` live entries (one pass and a sort, for a table full of live processes). Returns their pids. */
  deleteOldestLive(count: number): number[] {
    const seqs: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0 && Number.isNaN(this.exits[i]!)) seqs.push(this.seqs[i]!);
    if (seqs.length === 0 || count <= 0) return [];
    const sorted = Float64Array.from(seqs).sort();
    const limit = sorted[Math.min(count, sorted.length) - 1]!;
    const pids: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== 0 && Number.isNaN(this.exits[i]!) && this.seqs[i]! <= limit) pids.push(this.keys[i]! - 1);
    }
    for (const pid of pids) this.delete(pid);
    return pids;
  }

  /** Every pid in the table (any order). */
  pids(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) out.push(this.keys[i]! - 1);
    return out;
  }

  /** Deletes the entry in slot (from find()). */
  private deleteAt(slot: number): void {
    const { keys, values, exits, seqs } = this;
    if (!Number.isNaN(exits[slot]!)) this.exitedCount--;
    this.count--;
    let hole = slot;
    for (let j = nextShiftSlot(keys, hole, this.shift); j >= 0; j = nextShiftSlot(keys, hole, this.shift)) {
      keys[hole] = keys[j]!;
      values[hole] = values[j];
      exits[hole] = exits[j]!;
      seqs[hole] = seqs[j]!;
      hole = j;
    }
    keys[hole] = 0;
    values[hole] = undefined;
    exits[hole] = NaN;
    seqs[hole] = 0;
  }

  private grow(): void {
    const { keys, values, exits, seqs } = this;
    this.allocate(keys.length * 2);
    rehash(keys, this.keys, this.shift, (from, to) => {
      this.values[to] = values[from];
      this.exits[to] = exits[from]!;
      this.seqs[to] = seqs[from]!;
    });
  }
}
