// Bulk output for one-shot commands: UTF-8 encoded straight into a reused buffer and written
// to fd 1 synchronously — megabytes of JSON lines without string ropes or stream queues.
import { writeSync } from 'node:fs';

export class StdoutWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** The reader went away (e.g. `| head`): the rest is dropped quietly, as Unix tools do. */
  private closed = false;

  constructor(private readonly fd = 1) {}

  line(text: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.used + text.length * 3 + 1 > this.buf.length) {
      this.flush();
      if (text.length * 3 + 1 > this.buf.length) this.buf = Buffer.allocUnsafe(text.length * 3 + 1);
    }
    this.used += this.buf.write(text, this.used, 'utf8');
    this.buf[this.used++] = 10;
  }

  flush(): void {
    if (this.closed) {
      this.used = 0;
      return;
    }
    let off = 0;
    while (off < this.used) {
      try {
        off += writeSync(this.fd, this.buf, off, this.used - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          this.closed = true;
          break;
        }
        // A non-blocking pipe that is full: wait for the reader a moment and go on.
        if (code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      }
    }
    this.used = 0;
  }
}
