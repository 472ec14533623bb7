// Records to a local file, one line each. Lines are batched and written with one write per
// batch (sync on the event loop: a local file write of a batch takes microseconds and keeps
// ordering and crash behaviour simple). The file is opened for append, created 0640.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { ConnectionEvent } from '../../core/connection-event';
import { ByteWriter } from '../../core/byte-writer';
import type { Sink, SinkStats } from '../../core/stages';
import { PtError } from '../../core/errors';
import type { Logger } from '../../core/context';
import { LogLimit, REPEATED_WARNING } from '../../core/log-limit';

export interface FileSinkOptions {
  path: string;
  format: (ev: ConnectionEvent) => string;
  /** Writes the record's bytes (what format returns, UTF-8) straight into the batch: used instead of format when given. */
  encode?: ((ev: ConnectionEvent, out: ByteWriter) => void) | undefined;
  /** Whether the format reports a record; the others are skipped (counted, not an error). Absent: every record. */
  reports?: ((ev: ConnectionEvent) => boolean) | undefined;
  /** Write when this many bytes are pending, or at the end of the current event-loop turn. */
  batchBytes?: number;
  /** Where write failures are told (rate-limited); they are counted in the sink's stats too. */
  logger: Logger;
}

function openForAppend(path: string): number {
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
  // Lines go straight into one reused, growable buffer: no array of strings to join and no
  // second copy per batch (and, with an encoder, no string per line at all).
  const out = new ByteWriter(batchBytes * 2);
  const encode = opts.encode;
  const reports = opts.reports;
  let count = 0;
  let scheduled = false;
  let closed = false;
  const stats: Required<SinkStats> = { written: 0, dropped: 0, errors: 0, skipped: 0 };
  const log = opts.logger.child({ component: 'file-sink', path: opts.path });
  const writeFailures = new LogLimit(REPEATED_WARNING);

  function writeOut(): void {
    scheduled = false;
    const used = out.pos;
    if (used === 0) return;
    try {
      let off = 0;
      while (off < used) off += writeSync(fd, out.buf, off, used - off);
      stats.written += count;
    } catch (err) {
      // A full disk or a revoked file: count the loss rather than crash the sensor.
      stats.errors++;
      stats.dropped += count;
      writeFailures.log(log, 'error', { err, dropped: count }, 'write failed; records dropped');
    }
    out.reset();
    count = 0;
  }

  return {
    name,
    write(ev) {
      if (closed) {
        stats.dropped++;
        return;
      }
      if (reports && !reports(ev)) {
        stats.skipped++;
        return;
      }
      if (encode) encode(ev, out);
      else out.utf8(opts.format(ev));
      out.byte(10);
      count++;
      if (out.pos >= batchBytes) writeOut();
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
