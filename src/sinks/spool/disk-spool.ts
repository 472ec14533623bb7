// A bounded, append-only disk queue of framed records: segment files plus a persisted ack
// position. Records leave the disk only after the consumer acks them. When the spool is
// full (its byte limit, or the file system's free-space floor) the oldest segment is dropped
// and its unsent records are counted. Corrupt bytes are skipped and counted, never thrown.
//
// Durability: every append is one write() into the page cache, so a SIGKILL of the sensor
// loses nothing that append() returned for; sync() (called on a timer and at close) fsyncs,
// so a power loss loses at most the last sync interval.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/context';
import { decodeRecord, encodeRecords, HEADER_BYTES, MAX_RECORD_BYTES } from './record-codec';
import { AckFile, listSegments, lockSpoolDir, segmentName, type SpoolPosition } from './segment-files';

export interface DiskSpoolOptions {
  dir: string;
  maxBytes: number;
  /** Free space the file system must keep; below it the spool counts as full. */
  minFreeBytes: number;
  /** A segment rolls over at this size; dropping when full frees one segment at a time. */
  segmentBytes: number;
  logger: Logger;
}

export interface SpoolBatch {
  records: string[];
}

export interface SpoolCounters {
  /** Records dropped unsent because the spool was full (oldest segments, or incoming data). */
  droppedRecords: number;
  /** Places in the stream where records are missing: each drop and each corrupt region. */
  gaps: number;
  corruptRegions: number;
  corruptBytes: number;
  /** Append failures (ENOSPC, EIO) whose records were dropped. */
  writeErrors: number;
}

interface Segment {
  seq: number;
  path: string;
  size: number;
}

interface InFlight {
  seq: number;
  end: number;
  count: number;
}

const READ_CHUNK = 1024 * 1024;
const FREE_SPACE_CHECK_MS = 1000;

export class DiskSpool {
  readonly counters: SpoolCounters = { droppedRecords: 0, gaps: 0, corruptRegions: 0, corruptBytes: 0, writeErrors: 0 };
  private readonly segments: Segment[] = [];
  private active: Segment;
  private activeFd: number;
  private activeDirty = false;
  private readonly ackFile: AckFile;
  private ack: SpoolPosition;
  private inflight: InFlight | undefined;
  private readFd: { seq: number; fd: number } | undefined;
  private readBuf = Buffer.allocUnsafe(READ_CHUNK);
  private totalBytes = 0;
  private freeBytes: number | undefined;
  private freeCheckedAt = 0;
  /** Inside a run of corrupt bytes, so one region is counted once. */
  private skipping = false;
  private readonly unlock: () => void;
  private closed = false;

  constructor(private readonly opts: DiskSpoolOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.unlock = lockSpoolDir(opts.dir);
    try {
      for (const s of listSegments(opts.dir)) {
        if (s.size === 0) fs.rmSync(s.path, { force: true });
        else this.segments.push(s);
      }
      this.ackFile = new AckFile(path.join(opts.dir, 'ack'));
      this.ack = this.startPosition(this.ackFile.read());
      const seq = (this.segments.at(-1)?.seq ?? 0) + 1;
      this.active = { seq, path: path.join(opts.dir, segmentName(seq)), size: 0 };
      this.activeFd = fs.openSync(this.active.path, 'a');
      this.segments.push(this.active);
      if (this.ack.seq < this.segments[0]!.seq) this.ack = { seq: this.segments[0]!.seq, offset: 0 };
      this.totalBytes = this.segments.reduce((n, s) => n + s.size, 0);
      this.ackFile.write(this.ack);
    } catch (err) {
      this.unlock();
      throw err;
    }
    if (this.totalBytes > 0) opts.logger.info({ spool: opts.dir, bytes: this.totalBytes }, 'spool holds records from an earlier run; sending them first');
  }

  /** Where delivery resumes: the persisted ack, with segments before it (already sent) removed. */
  private startPosition(saved: SpoolPosition | undefined): SpoolPosition {
    if (!saved) {
      if (this.segments.length > 0 && fs.existsSync(path.join(this.opts.dir, 'ack'))) {
        this.opts.logger.warn({ spool: this.opts.dir }, 'spool ack position unreadable; resending from the oldest segment');
      }
      return { seq: this.segments[0]?.seq ?? 0, offset: 0 };
    }
    while (this.segments.length > 0 && this.segments[0]!.seq < saved.seq) {
      fs.rmSync(this.segments.shift()!.path, { force: true });
    }
    const first = this.segments[0];
    if (!first || first.seq !== saved.seq) return { seq: first?.seq ?? 0, offset: 0 };
    return { seq: saved.seq, offset: Math.min(saved.offset, first.size) };
  }

  /** Frames and appends records. Never throws: records that do not fit are dropped and counted. */
  append(payloads: readonly string[]): void {
    if (this.closed || payloads.length === 0) return;
    const buf = encodeRecords(payloads);
    if (!this.makeRoom(buf.length)) {
      this.dropIncoming(payloads.length, 'spool full');
      return;
    }
    if (this.active.size > 0 && this.active.size + buf.length > this.opts.segmentBytes) this.roll();
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.activeFd, buf, off, buf.length - off);
    } catch (err) {
      // A partial write leaves a torn record; roll so the reader meets it at a segment end.
      this.counters.writeErrors++;
      this.opts.logger.error({ spool: this.opts.dir, err }, 'spool write failed');
      this.dropIncoming(payloads.length, 'write failed');
      this.refreshSize();
      this.roll();
      return;
    }
    this.active.size += buf.length;
    this.totalBytes += buf.length;
    if (this.freeBytes !== undefined) this.freeBytes -= buf.length;
    this.activeDirty = true;
  }

  private dropIncoming(count: number, why: string): void {
    this.counters.droppedRecords += count;
    this.counters.gaps++;
    this.opts.logger.warn({ spool: this.opts.dir, dropped: count, why }, 'spool dropped incoming records');
  }

  private refreshSize(): void {
    try {
      const size = fs.fstatSync(this.activeFd).size;
      this.totalBytes += size - this.active.size;
      this.active.size = size;
    } catch {
      // Keep the old figure.
    }
  }

  /** Drops oldest segments until `len` more bytes fit; false if they cannot fit at all. */
  private makeRoom(len: number): boolean {
    this.checkFreeSpace();
    const over = () => this.totalBytes + len > this.opts.maxBytes || (this.freeBytes !== undefined && this.freeBytes - len < this.opts.minFreeBytes);
    while (over()) {
      if (this.segments[0] === this.active) {
        if (this.active.size === 0) break;
        this.roll();
      }
      this.dropSegment(this.segments[0]!);
    }
    return !over();
  }

  private checkFreeSpace(): void {
    if (this.opts.minFreeBytes <= 0) return;
    const now = Date.now();
    if (now - this.freeCheckedAt < FREE_SPACE_CHECK_MS) return;
    this.freeCheckedAt = now;
    try {
      const st = fs.statfsSync(this.opts.dir);
      this.freeBytes = st.bavail * st.bsize;
    } catch {
      this.freeBytes = undefined;
    }
  }

  private roll(): void {
    try {
      fs.fsyncSync(this.activeFd);
    } catch {
      // The data is in the page cache either way.
    }
    fs.closeSync(this.activeFd);
    const seq = this.active.seq + 1;
    this.active = { seq, path: path.join(this.opts.dir, segmentName(seq)), size: 0 };
    this.activeFd = fs.openSync(this.active.path, 'a');
    this.activeDirty = false;
    this.segments.push(this.active);
  }

  /** Removes the oldest segment unsent (spool full) and counts what it held. */
  private dropSegment(seg: Segment): void {
    const lost = this.countUnsent(seg);
    this.removeOldest();
    this.counters.droppedRecords += lost;
    this.counters.gaps++;
    this.opts.logger.warn({ spool: this.opts.dir, dropped: lost, segment: seg.seq }, 'spool full: dropped the oldest records');
  }

  /** Records in `seg` that are neither acknowledged nor in flight. */
  private countUnsent(seg: Segment): number {
    let from = 0;
    if (this.inflight && this.inflight.seq === seg.seq) from = this.inflight.end;
    else if (this.ack.seq === seg.seq) from = this.ack.offset;
    if (from >= seg.size) return 0;
    let buf: Buffer;
    try {
      buf = this.readRange(seg, from, seg.size - from);
    } catch {
      return 0;
    }
    let pos = 0;
    let n = 0;
    while (pos + HEADER_BYTES <= buf.length) {
      const len = buf.readUInt32LE(pos + 4);
      if (len > MAX_RECORD_BYTES) break;
      pos += HEADER_BYTES + len;
      n++;
    }
    return n;
  }

  private removeOldest(): void {
    const seg = this.segments.shift()!;
    if (this.readFd?.seq === seg.seq) {
      fs.closeSync(this.readFd.fd);
      this.readFd = undefined;
    }
    fs.rmSync(seg.path, { force: true });
    this.totalBytes -= seg.size;
    if (this.freeBytes !== undefined) this.freeBytes += seg.size;
    if (this.ack.seq <= seg.seq) {
      this.ack = { seq: this.segments[0]?.seq ?? seg.seq + 1, offset: 0 };
      this.ackFile.write(this.ack);
    }
  }

  /**
   * The next records after the ack position (at most `maxRecords`, about `maxBytes`), or
   * undefined when everything is sent or in flight. Only one batch is in flight at a time.
   */
  readBatch(maxRecords: number, maxBytes: number): SpoolBatch | undefined {
    if (this.closed || this.inflight) return undefined;
    for (;;) {
      const seg = this.segments[0];
      if (!seg) return undefined;
      if (this.ack.offset >= seg.size) {
        if (seg === this.active) return undefined;
        this.removeOldest();
        continue;
      }
      const records: string[] = [];
      let bytes = 0;
      let pos = this.ack.offset;
      let want = Math.min(seg.size - pos, READ_CHUNK);
      let buf = this.readRange(seg, pos, want);
      let at = 0;
      while (records.length < maxRecords && bytes < maxBytes && at < buf.length) {
        const r = decodeRecord(buf, at, buf.length);
        if (r.kind === 'record') {
          records.push(r.payload);
          bytes += r.next - at;
          at = r.next;
          this.skipping = false;
          continue;
        }
        if (records.length > 0) break; // hand over what we have; the next call meets this spot first
        if (r.kind === 'partial') {
          if (pos + r.need <= seg.size && r.need > buf.length) {
            want = r.need;
            buf = this.readRange(seg, pos, want);
            continue;
          }
          // The segment ends inside this record: a torn write from a crash.
          this.skipCorrupt(seg, seg.size - pos, 'record cut short at end of segment');
          at = buf.length;
          break;
        }
        // Corrupt: skip to the next magic, or to the end of what we read (keeping 3 bytes
        // that might begin a magic split across reads).
        let skip: number;
        if (r.next >= 0) skip = r.next - at;
        else if (pos + buf.length >= seg.size) skip = buf.length - at;
        else skip = Math.max(1, buf.length - at - 3);
        this.skipCorrupt(seg, skip, r.reason);
        pos = this.ack.offset;
        at = 0;
        want = Math.min(seg.size - pos, READ_CHUNK);
        if (want <= 0) break;
        buf = this.readRange(seg, pos, want);
      }
      if (records.length > 0) {
        this.inflight = { seq: seg.seq, end: pos + at, count: records.length };
        return { records };
      }
    }
  }

  private skipCorrupt(seg: Segment, bytes: number, reason: string): void {
    if (!this.skipping) {
      this.counters.corruptRegions++;
      this.counters.gaps++;
      this.opts.logger.warn({ spool: this.opts.dir, segment: seg.seq, offset: this.ack.offset, reason }, 'skipping corrupt bytes');
    }
    this.skipping = true;
    this.counters.corruptBytes += bytes;
    this.ack = { seq: seg.seq, offset: this.ack.offset + bytes };
    this.ackFile.write(this.ack);
  }

  private readRange(seg: Segment, pos: number, len: number): Buffer {
    if (!this.readFd || this.readFd.seq !== seg.seq) {
      if (this.readFd) fs.closeSync(this.readFd.fd);
      this.readFd = { seq: seg.seq, fd: fs.openSync(seg.path, 'r') };
    }
    if (this.readBuf.length < len) this.readBuf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.readFd.fd, this.readBuf, got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return this.readBuf.subarray(0, got);
  }

  /** The batch from readBatch() is delivered (or dead-lettered): move the ack past it. */
  ackBatch(): void {
    const f = this.inflight;
    if (!f || this.closed) return;
    this.inflight = undefined;
    // If its segment was dropped meanwhile, the ack already moved on.
    if (f.seq !== this.ack.seq) return;
    this.ack = { seq: f.seq, offset: f.end };
    const seg = this.segments[0];
    if (seg && seg.seq === f.seq && f.end >= seg.size && seg !== this.active) this.removeOldest();
    this.ackFile.write(this.ack);
  }

  /** True when nothing is waiting: everything appended has been acknowledged. */
  drained(): boolean {
    return !this.inflight && this.segments[0] === this.active && this.ack.offset >= this.active.size;
  }

  bytes(): number {
    return this.totalBytes;
  }

  segmentCount(): number {
    return this.segments.length;
  }

  /** fsync appended data and the ack position (power-loss durability). */
  sync(): void {
    if (this.closed) return;
    try {
      if (this.activeDirty) fs.fsyncSync(this.activeFd);
      this.activeDirty = false;
      this.ackFile.sync();
    } catch (err) {
      this.opts.logger.warn({ spool: this.opts.dir, err }, 'spool fsync failed');
    }
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    fs.closeSync(this.activeFd);
    if (this.readFd) fs.closeSync(this.readFd.fd);
    this.readFd = undefined;
    this.ackFile.close();
    // An empty active segment is noise for the next run.
    if (this.active.size === 0) fs.rmSync(this.active.path, { force: true });
    this.unlock();
  }
}
