// A bounded memory of connections already recorded, so a reconciliation snapshot after a
// loss adds only what the kernel tier missed.
export class RecentKeys {
  private readonly keys = new Set<string>();
  constructor(private readonly max: number) {}

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}
