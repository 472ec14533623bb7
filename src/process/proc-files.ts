// Small synchronous /proc readers. /proc files report size 0, so read until EOF into a buffer
// (open + read + close, no fstat), and return undefined instead of throwing: a process can
// exit or refuse access between any two reads. A reader that reads often (the process table)
// keeps a ProcFileReader, whose buffer is reused; a one-off read takes a small pooled one.
import fs from 'node:fs';

/** Reads /proc files into one buffer of its own, grown as a file needs and then kept. */
export class ProcFileReader {
  private scratch: Buffer;

  constructor(initialBytes = 64 * 1024) {
    this.scratch = Buffer.allocUnsafe(initialBytes);
  }

  /** The whole file as text, or undefined if it cannot be read. */
  text(path: string, encoding: BufferEncoding = 'utf8'): string | undefined {
    const read = readInto(path, this.scratch);
    if (read === undefined) return undefined;
    this.scratch = read.buf;
    return read.buf.toString(encoding, 0, read.len);
  }
}

// Below half of Buffer.poolSize, so Node carves it from its shared pool instead of allocating.
const ONE_OFF_BYTES = 4095;

/** The whole file as text, or undefined if it cannot be read (a ProcFileReader for repeated reads). */
export function readProcText(path: string, encoding: BufferEncoding = 'utf8'): string | undefined {
  const read = readInto(path, Buffer.allocUnsafe(ONE_OFF_BYTES));
  return read === undefined ? undefined : read.buf.toString(encoding, 0, read.len);
}

/** Reads path to EOF into start (or a bigger copy of it): the buffer used and the byte count. */
function readInto(path: string, start: Buffer): { buf: Buffer; len: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined;
  }
  let buf = start;
  try {
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return { buf, len };
  } catch {
    return undefined;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // already gone
    }
  }
}

/** readlink that returns undefined on any error. */
export function readLink(path: string): string | undefined {
  try {
    return fs.readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Clock ticks per second for /proc/PID/stat times (USER_HZ; 100 on every Linux ABI Node runs on). */
export const USER_HZ = 100;

/** Boot time, epoch ms, from the btime line of /proc/stat (whole seconds). */
export function readBootTimeMs(procRoot = '/proc'): number | undefined {
  const text = readProcText(`${procRoot}/stat`, 'latin1');
  if (text === undefined) return undefined;
  const i = text.indexOf('\nbtime ');
  if (i < 0) return undefined;
  const secs = parseInt(text.slice(i + 7, text.indexOf('\n', i + 7)), 10);
  return Number.isFinite(secs) ? secs * 1000 : undefined;
}
