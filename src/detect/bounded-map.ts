// A Map held to a maximum size that evicts its least recently used entries first and counts
// what it evicts (the count goes into the stats record). Two costs are kept off the hot path:
// a hit moves its entry to the newest end only when the entry has drifted into the older half
// (a hot key is refreshed about once per max/2 inserts, not on every hit), and eviction takes
// the oldest eighth in one pass (a Map keeps deleted slots until it rehashes, so finding "the
// oldest" one at a time walks them again on every insert into a full map).
interface Slot<V> {
  value: V;
  /** Insert counter when the entry last moved to the newest end. */
  at: number;
}

export class BoundedMap<K, V> {
  private readonly map = new Map<K, Slot<V>>();
  private inserts = 0;
  private evictedCount = 0;

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`a bounded map needs room for one entry, not ${max}`);
  }

  get size(): number {
    return this.map.size;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  /** The value, counting as a use of the entry. */
  get(key: K): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    if (this.inserts - slot.at > this.max >> 1) this.refresh(key, slot);
    return slot.value;
  }

  /** Whether key is present, counting as a use of the entry. */
  has(key: K): boolean {
    const slot = this.map.get(key);
    if (slot === undefined) return false;
    if (this.inserts - slot.at > this.max >> 1) this.refresh(key, slot);
    return true;
  }

  /** Inserts or replaces `key`; a new key is the newest entry. */
  set(key: K, value: V): void {
    const slot = this.map.get(key);
    if (slot !== undefined) {
      slot.value = value;
      if (this.inserts - slot.at > this.max >> 1) this.refresh(key, slot);
      return;
    }
    if (this.map.size >= this.max) this.evictOldest(Math.max(1, this.max >> 3));
    this.map.set(key, { value, at: ++this.inserts });
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  private refresh(key: K, slot: Slot<V>): void {
    this.map.delete(key);
    slot.at = ++this.inserts;
    this.map.set(key, slot);
  }

  private evictOldest(count: number): void {
    for (const key of this.map.keys()) {
      this.map.delete(key);
      this.evictedCount++;
      if (--count === 0) break;
    }
  }
}
