// A growable byte buffer that formats append to directly: a record written piece by piece
// into the sink's batch, instead of built as a string and then encoded (at thousands of
// records a second, the string concatenation, its flattening and its UTF-8 encoding were a
// large part of the sensor's CPU and most of its garbage).
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    // A short piece is copied faster by hand than through TypedArray#set's call.
    if (n <= 32) {
      const buf = this.buf;
      const at = this.pos;
      for (let i = 0; i < n; i++) buf[at + i] = b[i]!;
    } else this.buf.set(b, this.pos);
    this.pos += n;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Text that is ASCII in practice (addresses, ids, timestamps); anything else is still written as UTF-8. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    const start = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = start;
        this.utf8(s);
        return;
      }
      buf[start + i] = c;
    }
    this.pos = start + n;
  }

  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A number as String(n) writes it; non-negative integers below 2^31 (ports, pids, ids) without the string. */
  number(n: number): void {
    if (!((n | 0) === n && n >= 0)) {
      this.ascii(String(n));
      return;
    }
    const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    this.ensure(digits);
    const buf = this.buf;
    let at = this.pos + digits;
    this.pos = at;
    let v = n;
    do {
      const q = (v / 10) | 0;
      buf[--at] = 48 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}
