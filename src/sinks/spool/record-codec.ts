// On-disk framing of one spooled record: magic, payload length, CRC-32 of the payload, then
// the UTF-8 payload. The magic lets a reader find the next good record after a torn or
// corrupted one. Decoding is pure and never throws: it returns what it found.
import { crc32 } from './crc32';

/** "PTS1" read as a little-endian u32. */
const RECORD_MAGIC = 0x31535450;
export const HEADER_BYTES = 12;
/** A length above this is taken for corruption, not a record. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Frames `payloads` into one buffer, ready for a single write. */
export function encodeRecords(payloads: readonly string[]): Buffer {
  // One UTF-8 pass per record: write into room for the worst case (3 bytes per UTF-16 unit)
  // and take the real length from write(), instead of measuring with byteLength first.
  let room = 0;
  for (let i = 0; i < payloads.length; i++) room += HEADER_BYTES + payloads[i]!.length * 3;
  const buf = Buffer.allocUnsafe(room);
  let pos = 0;
  for (let i = 0; i < payloads.length; i++) {
    const body = pos + HEADER_BYTES;
    const n = buf.write(payloads[i]!, body, 'utf8');
    buf.writeUInt32LE(RECORD_MAGIC, pos);
    buf.writeUInt32LE(n, pos + 4);
    buf.writeUInt32LE(crc32(buf, body, body + n), pos + 8);
    pos = body + n;
  }
  return buf.subarray(0, pos);
}

export type Decoded =
  /** A good record; the next one starts at `next`. */
  | { kind: 'record'; payload: string; next: number }
  /** The buffer ends inside a record that claims `need` bytes in all (header included). */
  | { kind: 'partial'; need: number }
  /** Bad bytes at `pos`; the next candidate record starts at `next`, or -1 if none is in the buffer. */
  | { kind: 'corrupt'; reason: string; next: number };

/** Decodes the record at buf[pos, end). */
export function decodeRecord(buf: Buffer, pos: number, end: number): Decoded {
  if (end - pos < HEADER_BYTES) {
    // A short tail that is not even the start of a magic is corruption, not a partial record.
    if (end - pos >= 4 && buf.readUInt32LE(pos) !== RECORD_MAGIC) return corrupt('bad magic', buf, pos, end);
    return { kind: 'partial', need: HEADER_BYTES };
  }
  if (buf.readUInt32LE(pos) !== RECORD_MAGIC) return corrupt('bad magic', buf, pos, end);
  const len = buf.readUInt32LE(pos + 4);
  if (len > MAX_RECORD_BYTES) return corrupt(`length ${len} too large`, buf, pos, end);
  const body = pos + HEADER_BYTES;
  if (end - body < len) return { kind: 'partial', need: HEADER_BYTES + len };
  if (crc32(buf, body, body + len) !== buf.readUInt32LE(pos + 8)) return corrupt('checksum mismatch', buf, pos, end);
  return { kind: 'record', payload: buf.toString('utf8', body, body + len), next: body + len };
}

function corrupt(reason: string, buf: Buffer, pos: number, end: number): Decoded {
  return { kind: 'corrupt', reason, next: findMagic(buf, pos + 1, end) };
}

/** Offset of the next magic in buf[from, end), or -1. */
function findMagic(buf: Buffer, from: number, end: number): number {
  return buf.subarray(0, end).indexOf(MAGIC_BYTES, from);
}

const MAGIC_BYTES = Buffer.from([0x50, 0x54, 0x53, 0x31]);
