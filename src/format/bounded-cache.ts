// A Map that empties itself when full, for the formatters' caches: a miss only costs the work
// the cache saves, so whole-map eviction beats per-hit LRU bookkeeping on the hot path.
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}
