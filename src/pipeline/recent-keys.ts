// A bounded memory of connections already recorded, so a reconciliation snapshot after a
// loss adds only what the kernel tier missed. Two generations of sets: adding is one Set.add,
// and when the young one is full the old one is dropped whole — no per-key bookkeeping.
export class RecentKeys {
  private young = new Set<string>();
  private old = new Set<string>();
  constructor(private readonly max: number) {}

  add(key: string): void {
    this.young.add(key);
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Set();
    }
  }

  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }
}
