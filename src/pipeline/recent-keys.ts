// A bounded memory of connections already recorded, so a reconciliation snapshot after a
// loss adds only what the kernel tier missed. Two generations of sets: adding is one Set.add,
// and when the young one is full the old one is dropped whole — no per-key bookkeeping.
export class RecentKeys {
  private young = new Set<number>();
  private old = new Set<number>();
  constructor(private readonly max: number) {}

  add(key: number): void {
    this.young.add(key);
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Set();
    }
  }

  has(key: number): boolean {
    return this.young.has(key) || this.old.has(key);
  }
}
