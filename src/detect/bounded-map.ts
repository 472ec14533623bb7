// A Map held to a maximum size, least recently set first out, that counts what it evicts
// (the count goes into the stats record). Eviction takes the oldest eighth in one pass: a
// Map keeps deleted slots until it rehashes, so finding "the oldest" one at a time walks
// them again on every insert into a full map.
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
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

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or replaces `key`, which becomes the newest entry. */
  set(key: K, value: V): void {
    if (this.map.delete(key)) {
      this.map.set(key, value);
      return;
    }
    if (this.map.size >= this.max) this.evictOldest(Math.max(1, Math.floor(this.max / 8)));
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  private evictOldest(count: number): void {
    for (const key of this.map.keys()) {
      this.map.delete(key);
      this.evictedCount++;
      if (--count === 0) break;
    }
  }
}
