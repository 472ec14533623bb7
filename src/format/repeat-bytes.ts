// The bytes an encoder wrote for an object, kept once the same object is written a third
// time. A server accepting connections, or a client connecting again and again, is one
// ProcessInfo written over and over: its part of the record is copied, not encoded again.
// A short-lived process is written once or twice (its connect, and perhaps its own accept or
// receive): keeping its bytes would be a copy for nothing, so it never costs more than a slot.
// Objects are compared by identity; they must not change once written (ProcessInfo and
// ParentInfo are immutable once published).
export class RepeatBytes<K extends object> {
  private readonly seen: (K | undefined)[];
  private readonly seenTimes: number[];
  private readonly keys: (K | undefined)[];
  private readonly bytes: (Buffer | undefined)[];
  private nextSeen = 0;
  private nextKept = 0;

  constructor(private readonly slots = 8) {
    this.seen = new Array<K | undefined>(slots).fill(undefined);
    this.seenTimes = new Array<number>(slots).fill(0);
    this.keys = new Array<K | undefined>(slots).fill(undefined);
    this.bytes = new Array<Buffer | undefined>(slots).fill(undefined);
  }

  /** The bytes kept for key, if it was written twice recently. */
  get(key: K): Buffer | undefined {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.bytes[i];
    return undefined;
  }

  /**
   * Called after key's bytes were written (without a hit): true when this is the third time
   * in a while, and the caller should keep() them.
   */
  writtenAgain(key: K): boolean {
    const seen = this.seen;
    for (let i = 0; i < seen.length; i++) {
      if (seen[i] === key) {
        if (++this.seenTimes[i]! < 3) return false;
        seen[i] = undefined;
        return true;
      }
    }
    seen[this.nextSeen] = key;
    this.seenTimes[this.nextSeen] = 1;
    this.nextSeen = (this.nextSeen + 1) % this.slots;
    return false;
  }

  keep(key: K, written: Uint8Array): void {
    this.keys[this.nextKept] = key;
    this.bytes[this.nextKept] = Buffer.from(written);
    this.nextKept = (this.nextKept + 1) % this.slots;
  }
}
