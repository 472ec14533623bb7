// The spooled delivery engine in front of a network transport: write()
// formats and appends to the disk spool (never blocks, never throws), one loop reads the
// spool in batches, sends them, retries `retry` items with backoff, dead-letters `fatal`
// items, and acks the batch so it leaves the disk only once the receiver has it.
// Delivery is at-least-once across outages, SIGTERM and SIGKILL; memory stays bounded
// (at most memoryQueueMax formatted records waiting for their append, plus one batch).
import path from 'node:path';
import type { ConnectionEvent, Endpoint } from '../../core/connection-event';
import type { Logger } from '../../core/context';
import { errorMessage } from '../../core/errors';
import { LogLimit, REPEATED_WARNING } from '../../core/log-limit';
import type { Sink, SinkStats } from '../../core/stages';
import type { AttemptResult, BatchTransport } from '../delivery';
import { Backoff, defaultBackoff, type BackoffOptions } from '../retry';
import { DeadLetterFile, type DeadLetter } from './dead-letter';
import { DiskSpool } from './disk-spool';

export interface SpooledSinkOptions {
  name: string;
  format: (ev: ConnectionEvent) => string;
  transport: BatchTransport;
  /** One directory per sink; it is locked against a second process. */
  spoolDir: string;
  /** Spool size limit; when full the oldest records are dropped and counted. Default 256 MiB. */
  maxBytes?: number | undefined;
  /** Free space the file system must keep (fs.statfs); below it the spool counts as full. Default 64 MiB. */
  minFreeBytes?: number | undefined;
  /** Segment file size; dropping when full frees one segment. Default maxBytes/16 within [64 KiB, 16 MiB]. */
  segmentBytes?: number;
  /** Records per send. Default 500. */
  batchSize?: number;
  /** Bytes per send, roughly. Default 4 MiB. */
  batchMaxBytes?: number;
  /** Formatted records held in memory before they are appended to disk. Default 2000. */
  memoryQueueMax?: number;
  /** Default: dead-letter.jsonl in spoolDir. */
  deadLetterPath?: string;
  retry?: BackoffOptions;
  /** fsync of the spool (power-loss durability; SIGKILL needs none). Default 1000 ms. */
  fsyncIntervalMs?: number;
  /** How long close() keeps sending before it leaves the rest on disk. Default 3000 ms. */
  closeTimeoutMs?: number;
  logger: Logger;
}

interface SpoolStats {
  /** Records the receiver acknowledged. */
  delivered: number;
  /** Records rejected for good, written to the dead-letter file. */
  deadLettered: number;
  /** Records lost: spool full (oldest dropped or incoming refused) or a failed append. */
  dropped: number;
  /** Places in the stream where records are missing (each drop, each corrupt region). */
  gaps: number;
  corruptRegions: number;
  corruptBytes: number;
  formatErrors: number;
  /** Send attempts that ended in a retry. */
  retries: number;
  spoolBytes: number;
  segments: number;
  /** The receiver is failing right now (a batch is waiting for its retry). */
  retrying: boolean;
  /** Records held in memory: waiting for their append plus the batch being sent. */
  inMemory: number;
}

export interface SpooledSink extends Sink {
  /** Places in the stream where records are missing; the pipeline reports them in its stats record. */
  gaps(): number;
  spoolStats(): SpoolStats;
  /** The transport's own sockets, so the sensor does not record its own traffic. */
  ownEndpoints(): Endpoint[];
}

const MiB = 1024 * 1024;

export function createSpooledSink(opts: SpooledSinkOptions): SpooledSink {
  return new SpooledSinkImpl(opts);
}

class SpooledSinkImpl implements SpooledSink {
  readonly name: string;
  private readonly spool: DiskSpool;
  private readonly deadLetter: DeadLetterFile;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly batchMaxBytes: number;
  private readonly memoryQueueMax: number;
  private readonly appendChunkChars: number;
  private readonly closeTimeoutMs: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private appendScheduled = false;
  private delivered = 0;
  private deadLettered = 0;
  private formatErrors = 0;
  private retries = 0;
  private retrying = false;
  private closing = false;
  private closeDeadline = Infinity;
  private wake: (() => void) | undefined;
  /** What the loop sleeps on: new data, or a retry delay that only close() cuts short. */
  private sleepingFor: 'data' | 'retry' = 'data';
  private readonly loop: Promise<void>;
  private readonly fsyncTimer: NodeJS.Timeout;
  private closed: Promise<void> | undefined;
  /** The first failure of an outage, then one line per 30 s while it lasts. */
  private readonly retryLog = new LogLimit({ first: 1, intervalMs: 30_000 });
  private readonly formatErrorLog = new LogLimit(REPEATED_WARNING);
  private inFlight = 0;

  constructor(private readonly opts: SpooledSinkOptions) {
    this.name = opts.name;
    this.logger = opts.logger.child({ component: 'spooled-sink' });
    const maxBytes = opts.maxBytes ?? 256 * MiB;
    const segmentBytes = opts.segmentBytes ?? Math.min(16 * MiB, Math.max(64 * 1024, Math.floor(maxBytes / 16)));
    this.spool = new DiskSpool({ dir: opts.spoolDir, maxBytes, minFreeBytes: opts.minFreeBytes ?? 64 * MiB, segmentBytes, logger: opts.logger.child({ component: 'spool' }) });
    this.deadLetter = new DeadLetterFile(opts.deadLetterPath ?? path.join(opts.spoolDir, 'dead-letter.jsonl'), opts.name, this.logger);
    this.backoff = new Backoff(opts.retry ?? defaultBackoff);
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    this.batchMaxBytes = Math.max(1, opts.batchMaxBytes ?? 4 * MiB);
    this.memoryQueueMax = Math.max(1, opts.memoryQueueMax ?? 2000);
    // Appends stay well under a segment, so one append never overflows a small spool by itself.
    this.appendChunkChars = Math.max(1024, Math.min(MiB, Math.floor(segmentBytes / 4)));
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 3000;
    this.fsyncTimer = setInterval(() => this.spool.sync(), opts.fsyncIntervalMs ?? 1000);
    this.fsyncTimer.unref();
    this.loop = this.run();
  }

  write(ev: ConnectionEvent): void {
    if (this.closing) return;
    let line: string;
    try {
      line = this.opts.format(ev);
    } catch (err) {
      this.formatErrors++;
      this.formatErrorLog.log(this.logger, 'error', { sink: this.name, err }, 'could not format a record');
      return;
    }
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pending.length >= this.memoryQueueMax || this.pendingChars >= this.appendChunkChars) this.appendPending();
    else if (!this.appendScheduled) {
      this.appendScheduled = true;
      setImmediate(() => this.appendPending());
    }
  }

  /** Moves formatted records to disk (one write); from here they survive a SIGKILL. */
  private appendPending(): void {
    this.appendScheduled = false;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    this.spool.append(records);
    if (this.sleepingFor === 'data') this.wakeLoop();
  }

  private wakeLoop(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForWake(ms?: number): Promise<void> {
    this.sleepingFor = ms === undefined ? 'data' : 'retry';
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) {
        timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, ms);
      }
    });
  }

  private async run(): Promise<void> {
    let current: { records: string[]; todo: number[] } | undefined;
    for (;;) {
      if (this.closing && Date.now() >= this.closeDeadline) return;
      try {
        if (!current) {
          const batch = this.spool.readBatch(this.batchSize, this.batchMaxBytes);
          if (!batch) {
            if (this.closing) return; // close() appended everything first: all sent
            await this.waitForWake();
            continue;
          }
          current = { records: batch.records, todo: batch.records.map((_, i) => i) };
          this.inFlight = current.records.length;
        }
        const items = current.todo.map((i) => current!.records[i]!);
        const results = await this.attempt(items);
        const again: number[] = [];
        const dead: DeadLetter[] = [];
        let hint: number | undefined;
        let reason = '';
        results.forEach((r, k) => {
          const i = current!.todo[k]!;
          if (r.kind === 'ok') this.delivered++;
          else if (r.kind === 'fatal') dead.push({ record: current!.records[i]!, reason: r.reason });
          else {
            again.push(i);
            reason = r.reason;
            if (r.afterMs !== undefined) hint = Math.max(hint ?? 0, r.afterMs);
          }
        });
        if (dead.length > 0) {
          this.deadLetter.write(dead);
          this.deadLettered += dead.length;
        }
        if (again.length === 0) {
          this.spool.ackBatch();
          current = undefined;
          this.inFlight = 0;
          if (this.retrying) this.logger.info({ sink: this.name, attempts: this.backoff.attempts }, 'delivering again');
          this.retrying = false;
          this.retryLog.reset();
          this.backoff.reset();
          continue;
        }
        current.todo = again;
        await this.retryLater(again.length, reason, hint);
      } catch (err) {
        // A spool read failed (EIO): keep the sensor up and try again later.
        this.logger.error({ sink: this.name, err }, 'spooled delivery error');
        await this.retryLater(current?.todo.length ?? 0, errorMessage(err), undefined);
      }
    }
  }

  private async attempt(items: string[]): Promise<AttemptResult[]> {
    let results: AttemptResult[];
    try {
      results = await this.opts.transport.send(items);
    } catch (err) {
      // The contract says send() never rejects; if one does, nothing is lost: retry all.
      return items.map(() => ({ kind: 'retry', reason: errorMessage(err) }));
    }
    if (results.length !== items.length) {
      const reason = `transport answered ${results.length} results for ${items.length} records`;
      return items.map(() => ({ kind: 'retry', reason }));
    }
    return results;
  }

  private async retryLater(count: number, reason: string, hintMs: number | undefined): Promise<void> {
    this.retries++;
    this.retrying = true;
    const delay = this.backoff.next(hintMs);
    this.retryLog.log(
      this.logger,
      'warn',
      { sink: this.name, records: count, reason, attempt: this.backoff.attempts, delayMs: delay },
      'delivery failed; will retry (records wait in the spool)',
    );
    if (this.closing) {
      const left = this.closeDeadline - Date.now();
      if (delay >= left) {
        this.closeDeadline = 0; // no point waiting: leave the rest on disk
        return;
      }
    }
    await this.waitForWake(delay);
  }

  async flush(): Promise<void> {
    this.appendPending();
    this.spool.sync();
  }

  stats(): SinkStats {
    const c = this.spool.counters;
    return { written: this.delivered, dropped: c.droppedRecords, errors: this.deadLettered + this.formatErrors + c.writeErrors };
  }

  gaps(): number {
    return this.spool.counters.gaps;
  }

  spoolStats(): SpoolStats {
    const c = this.spool.counters;
    return {
      delivered: this.delivered,
      deadLettered: this.deadLettered,
      dropped: c.droppedRecords,
      gaps: c.gaps,
      corruptRegions: c.corruptRegions,
      corruptBytes: c.corruptBytes,
      formatErrors: this.formatErrors,
      retries: this.retries,
      spoolBytes: this.spool.bytes(),
      segments: this.spool.segmentCount(),
      retrying: this.retrying,
      inMemory: this.pending.length + this.inFlight,
    };
  }

  ownEndpoints(): Endpoint[] {
    return this.opts.transport.ownEndpoints?.() ?? [];
  }

  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    this.appendPending();
    this.closing = true;
    this.closeDeadline = Date.now() + this.closeTimeoutMs;
    this.wakeLoop();
    const finished = await settlesWithin(this.loop, this.closeTimeoutMs + 100);
    this.closeDeadline = 0;
    this.wakeLoop();
    // Closing the transport also ends a send that is still waiting on a dead receiver.
    await this.opts.transport.close().catch((err) => this.logger.warn({ sink: this.name, err }, 'transport close failed'));
    if (!finished) await settlesWithin(this.loop, 2000);
    clearInterval(this.fsyncTimer);
    this.spool.close();
    if (!this.spool.drained()) this.logger.info({ sink: this.name, spoolBytes: this.spool.bytes() }, 'unsent records stay in the spool for the next start');
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve(true);
      },
      () => {
        clearTimeout(t);
        resolve(true);
      },
    );
  });
}
