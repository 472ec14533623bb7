// Names and small files of a spool directory: segment files, the ack position, the lock.
import fs from 'node:fs';
import path from 'node:path';
import { PtError } from '../../core/errors';
import { crc32 } from './crc32';
import { pidAlive } from '../../process/pid-alive';

export interface SpoolPosition {
  /** Segment sequence number. */
  seq: number;
  /** Byte offset inside that segment of the first record not yet acknowledged. */
  offset: number;
}

const SEGMENT_RE = /^seg-(\d{16})\.dat$/;

export function segmentName(seq: number): string {
  return `seg-${String(seq).padStart(16, '0')}.dat`;
}

export interface SegmentFile {
  seq: number;
  path: string;
  size: number;
}

/** Segment files in `dir`, oldest first; other files are ignored. */
export function listSegments(dir: string): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (!m) continue;
    const p = path.join(dir, name);
    try {
      const st = fs.statSync(p);
      if (st.isFile()) out.push({ seq: Number(m[1]), path: p, size: st.size });
    } catch {
      // Vanished between readdir and stat: nothing to send from it.
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

// Ack file: magic, seq (f64), offset (f64), CRC-32 of the 16 position bytes. Written in place
// with one 24-byte pwrite, which a crash cannot tear on any file system we care about; if it
// is torn anyway the CRC fails and delivery restarts at the oldest segment (duplicates, no loss).
const ACK_MAGIC = 0x314b4150; // "PAK1"
const ACK_BYTES = 24;

export function decodeAck(buf: Buffer): SpoolPosition | undefined {
  if (buf.length < ACK_BYTES || buf.readUInt32LE(0) !== ACK_MAGIC) return undefined;
  if (crc32(buf, 4, 20) !== buf.readUInt32LE(20)) return undefined;
  const seq = buf.readDoubleLE(4);
  const offset = buf.readDoubleLE(12);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(offset) || seq < 0 || offset < 0) return undefined;
  return { seq, offset };
}

export function encodeAck(pos: SpoolPosition): Buffer {
  const buf = Buffer.alloc(ACK_BYTES);
  buf.writeUInt32LE(ACK_MAGIC, 0);
  buf.writeDoubleLE(pos.seq, 4);
  buf.writeDoubleLE(pos.offset, 12);
  buf.writeUInt32LE(crc32(buf, 4, 20), 20);
  return buf;
}

export class AckFile {
  private readonly fd: number;
  private dirty = false;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, fs.existsSync(path) ? 'r+' : 'w+');
  }

  read(): SpoolPosition | undefined {
    const buf = Buffer.alloc(ACK_BYTES);
    const n = fs.readSync(this.fd, buf, 0, ACK_BYTES, 0);
    return n === ACK_BYTES ? decodeAck(buf) : undefined;
  }

  write(pos: SpoolPosition): void {
    fs.writeSync(this.fd, encodeAck(pos), 0, ACK_BYTES, 0);
    this.dirty = true;
  }

  sync(): void {
    if (!this.dirty) return;
    fs.fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

// One process per spool directory: two writers would interleave segments and acks. The set is
// module-level because the lock it keeps is the process's, not any one spool object's.
const heldHere = new Set<string>();

export function lockSpoolDir(dir: string): () => void {
  const key = path.resolve(dir);
  if (heldHere.has(key)) throw new PtError('E_IO', `spool directory ${dir} is already open in this process`);
  const lockPath = path.join(dir, 'lock');
  try {
    const holder = Number(fs.readFileSync(lockPath, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
      throw new PtError('E_IO', `spool directory ${dir} is in use by pid ${holder}`);
    }
  } catch (err) {
    if (err instanceof PtError) throw err;
    // No lock file or an unreadable one: take it.
  }
  fs.writeFileSync(lockPath, `${process.pid}\n`);
  heldHere.add(key);
  return () => {
    heldHere.delete(key);
    try {
      if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
    } catch {
      // Already gone.
    }
  };
}
