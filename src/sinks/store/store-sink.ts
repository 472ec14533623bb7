// The store as a sink. write() only queues (bounded, compact); a commit hands the whole queue to
// the writer thread every `commitIntervalMs`, or as soon as `batchSize` records wait, and that
// thread commits it in one transaction: the sensor's event loop never waits for SQLite. A
// commit that fails (a full disk, an I/O error) loses its batch, counted as dropped and as an
// error and logged rate-limited; the next commit tries again, so capture and the other sinks go
// on. Retention runs in small steps on its own timer between commits, in the writer thread too.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HostInfo, Logger } from '../../core/context';
import type { ProcessEnd, ProcessHash, Sink, SinkStats } from '../../core/stages';
import { LogLimit, REPEATED_WARNING } from '../../core/log-limit';
import { embeddedText } from '../../config/sea-assets';
import { BatchEncoder } from './batch-codec';
import { openStoreForWriting } from './open';
import { writeHostMeta } from './meta';
import type { RetentionLimits } from './retention';
import { COUNTS, COUNT_SLOTS, type FromWriter, type ToWriter, type WriterData } from './writer-protocol';

const WRITER_SCRIPT = 'writer-worker.js';

export interface StoreSinkOptions {
  readonly path: string;
  readonly retention: RetentionLimits;
  readonly logger: Logger;
  /** Kept in the store so `query` renders records with the host that recorded them. */
  readonly host?: HostInfo;
  readonly batchSize?: number;
  readonly commitIntervalMs?: number;
  /** Records waiting beyond this are dropped (and counted). */
  readonly maxQueue?: number;
  readonly retentionIntervalMs?: number;
  /** Wall clock, epoch microseconds (retention's idea of now). */
  readonly nowUs?: () => number;
}

interface StoreSinkStats extends SinkStats {
  /** Rows removed by retention. */
  pruned: number;
}

export interface StoreSink extends Sink {
  stats(): StoreSinkStats;
  /** Runs retention until nothing more is due (tests, and shutdown of a store over its cap); blocks until done. */
  enforceRetention(): number;
}

export function createStoreSink(opts: StoreSinkOptions): StoreSink {
  // Opened here first so a store that cannot be created or migrated fails the caller at once.
  const setup = openStoreForWriting(opts.path);
  try {
    if (opts.host) writeHostMeta(setup, opts.host);
  } finally {
    setup.close();
  }
  const log = opts.logger.child({ component: 'store', path: opts.path });
  const batchSize = opts.batchSize ?? 8192;
  const maxQueue = opts.maxQueue ?? 262_144;
  const nowUs = opts.nowUs ?? (() => Date.now() * 1000);
  const counts = new Float64Array(new SharedArrayBuffer(COUNT_SLOTS * Float64Array.BYTES_PER_ELEMENT));
  const data: WriterData = { path: opts.path, retention: opts.retention, counts: counts.buffer as SharedArrayBuffer };
  // The single executable carries the thread's bundled script; a source tree has it beside this file.
  const carried = embeddedText(WRITER_SCRIPT);
  const worker = carried ? new Worker(carried, { eval: true, workerData: data }) : new Worker(join(__dirname, WRITER_SCRIPT), { workerData: data });
  // The thread keeps no process alive by itself; flush() and close() hold it while they wait.
  worker.unref();
  const commitFailures = new LogLimit(REPEATED_WARNING);
  const retentionFailures = new LogLimit(REPEATED_WARNING);
  const waiting = new Map<number, () => void>();
  const encoder = new BatchEncoder();
  /** Records dropped on this side: queue full, closed, or the writer thread gone. */
  let droppedHere = 0;
  /** Records handed to the writer thread so far; those it has not written or dropped yet still wait. */
  let posted = 0;
  const waitingInThread = () => posted - counts[COUNTS.written]! - counts[COUNTS.dropped]!;
  /** The last sync() posted: the writer thread answers each in order. */
  let seq = 0;
  let commitSoon = false;
  let closed = false;
  let dead = false;
  let retentionTimer: NodeJS.Timeout | undefined;
  let holds = 0;

  const post = (msg: ToWriter, transfer: ArrayBuffer[] = []) => worker.postMessage(msg, transfer);
  const hold = () => {
    if (holds++ === 0) worker.ref();
  };
  const release = () => {
    if (--holds === 0) worker.unref();
  };

  worker.on('message', (msg: FromWriter) => {
    switch (msg.type) {
      case 'synced':
        waiting.get(msg.seq)?.();
        waiting.delete(msg.seq);
        break;
      case 'commit-failed':
        commitFailures.log(log, 'error', { err: msg.err, dropped: msg.dropped }, 'store commit failed; records dropped');
        break;
      case 'recovered':
        commitFailures.reset();
        break;
      case 'retention-failed':
        retentionFailures.log(log, 'warn', { err: msg.err }, 'store retention failed');
        break;
      case 'retained':
        scheduleRetention(msg.more ? 50 : (opts.retentionIntervalMs ?? 10_000));
        break;
    }
  });
  worker.on('error', (err) => {
    dead = true;
    log.error({ err }, 'store writer thread failed');
  });
  worker.on('exit', () => {
    dead = true;
    for (const resolve of waiting.values()) resolve();
    waiting.clear();
  });

  function commit(): void {
    commitSoon = false;
    if (encoder.size === 0 && encoder.endCount === 0 && encoder.hashCount === 0) return;
    const batch = encoder.take();
    if (dead) {
      droppedHere += batch.count + batch.alerts.length;
      return;
    }
    posted += batch.count + batch.alerts.length;
    post({ type: 'batch', batch }, [batch.numbers.buffer as ArrayBuffer]);
  }

  /** Resolves when the writer thread has handled everything posted so far. */
  function sync(): Promise<void> {
    if (dead) return Promise.resolve();
    const n = ++seq;
    hold();
    return new Promise<void>((resolve) => {
      waiting.set(n, () => {
        release();
        resolve();
      });
      post({ type: 'sync', seq: n });
    });
  }

  function scheduleRetention(ms: number): void {
    if (closed || dead) return;
    // More due: the next chunk after a short pause, so commits interleave with it.
    retentionTimer = setTimeout(() => {
      retentionTimer = undefined;
      if (!closed && !dead) post({ type: 'retain', nowUs: nowUs() });
    }, ms);
    retentionTimer.unref();
  }

  const commitTimer = setInterval(commit, opts.commitIntervalMs ?? 250);
  commitTimer.unref();
  scheduleRetention(1000);

  return {
    name: `store:${opts.path}`,
    write(ev) {
      // The bound covers the batches the thread has not committed yet, not only this side's:
      // a writer that falls behind must not let its message queue grow without end.
      if (closed || encoder.size + waitingInThread() >= maxQueue) {
        droppedHere++;
        return;
      }
      encoder.add(ev);
      if (encoder.size >= batchSize && !commitSoon) {
        commitSoon = true;
        setImmediate(commit);
      }
    },
    processEnded(end: ProcessEnd) {
      if (closed || encoder.endCount >= maxQueue) return;
      encoder.end(end);
    },
    processHashed(hash: ProcessHash) {
      if (closed || encoder.hashCount >= maxQueue) return;
      encoder.hash(hash);
    },
    async flush() {
      if (closed) return;
      commit();
      await sync();
    },
    stats: () => ({
      written: counts[COUNTS.written]!,
      dropped: counts[COUNTS.dropped]! + droppedHere,
      errors: counts[COUNTS.errors]!,
      pruned: counts[COUNTS.pruned]!,
    }),
    enforceRetention() {
      if (dead) return 0;
      commit();
      const done = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
      post({ type: 'retain-all', nowUs: nowUs(), done: done.buffer as SharedArrayBuffer });
      // Blocking is this call's contract (tests, shutdown); the writer thread is never blocked by it.
      while (Atomics.load(done, 0) === 0 && !dead) Atomics.wait(done, 0, 0, 1000);
      return Atomics.load(done, 1);
    },
    async close() {
      if (closed) return;
      commit();
      closed = true;
      clearInterval(commitTimer);
      if (retentionTimer) clearTimeout(retentionTimer);
      if (dead) return;
      hold();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      post({ type: 'close' });
      await exited;
      release();
    },
  };
}
