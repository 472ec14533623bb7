// Records to a local file, one line each. Lines are batched and written with one write per
// batch (sync on the event loop: a local file write of a batch takes microseconds and keeps
// ordering and crash behaviour simple). The file is opened for append, created 0640.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { ConnectionEvent } from '../../core/connection-event';
import type { Sink, SinkStats } from '../../core/stages';
import { PtError } from '../../core/errors';

export interface FileSinkOptions {
  path: string;
  format: (ev: ConnectionEvent) => string;
  /** Write when this many bytes are pending, or at the end of the current event-loop turn. */
  batchBytes?: number;
}

export function openForAppend(path: string): number {
  try {
    return openSync(path, 'a', 0o640);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PtError('E_USAGE', `cannot write file ${path}: ${code}`, { cause: err });
  }
}

export function createFileSink(opts: FileSinkOptions, name = `file:${opts.path}`): Sink {
  const fd = openForAppend(opts.path);
  const batchBytes = opts.batchBytes ?? 256 * 1024;
  // Lines are UTF-8 encoded straight into one reused buffer: no array of strings to join
  // and no second copy per batch.
  let buf = Buffer.allocUnsafe(batchBytes * 2);
  let used = 0;
  let count = 0;
  let scheduled = false;
  let closed = false;
  const stats: SinkStats = { written: 0, dropped: 0, errors: 0 };

  function writeOut(): void {
    scheduled = false;
    if (used === 0) return;
    try {
      let off = 0;
      while (off < used) off += writeSync(fd, buf, off, used - off);
      stats.written += count;
    } catch {
      // A full disk or a revoked file: count the loss rather than crash the sensor.
      stats.errors++;
      stats.dropped += count;
    }
    used = 0;
    count = 0;
  }

  return {
    name,
    write(ev) {
      if (closed) {
        stats.dropped++;
        return;
      }
      const line = opts.format(ev);
      // At most 3 bytes per UTF-16 unit, plus the newline.
      const room = line.length * 3 + 1;
      if (used + room > buf.length) {
        writeOut();
        if (room > buf.length) buf = Buffer.allocUnsafe(room);
      }
      used += buf.write(line, used, 'utf8');
      buf[used++] = 10;
      count++;
      if (used >= batchBytes) writeOut();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(writeOut);
      }
    },
    async flush() {
      writeOut();
    },
    stats: () => ({ ...stats }),
    async close() {
      if (closed) return;
      writeOut();
      closed = true;
      try {
        fsyncSync(fd);
      } catch {
        // not all files can be synced (pipes, /dev/stdout)
      }
      closeSync(fd);
    },
  };
}
