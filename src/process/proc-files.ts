// Small synchronous /proc readers. /proc files report size 0, so read until EOF into one
// reused buffer (open + read + close, no fstat), and return undefined instead of throwing:
// a process can exit or refuse access between any two reads.
import fs from 'node:fs';

let scratch = Buffer.allocUnsafe(64 * 1024);

/** The whole file as text, or undefined if it cannot be read. */
export function readProcText(path: string, encoding: BufferEncoding = 'utf8'): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let len = 0;
    for (;;) {
      if (len === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, len);
        scratch = bigger;
      }
      const n = fs.readSync(fd, scratch, len, scratch.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return scratch.toString(encoding, 0, len);
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
