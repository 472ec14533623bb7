// The store as a sink. write() only queues (bounded); a commit takes the whole queue in one
// transaction every `commitIntervalMs`, or as soon as `batchSize` records wait. A commit that
// fails (a full disk, an I/O error) loses its batch, counted as dropped and as an error and
// logged rate-limited; the next commit tries again, so capture and the other sinks go on.
// Retention runs in small steps on its own timer between commits.
import type { ConnectionEvent } from '../../core/connection-event';
import type { HostInfo, Logger } from '../../core/context';
import type { ProcessEnd, Sink, SinkStats } from '../../core/stages';
import { LogLimit, REPEATED_WARNING } from '../../core/log-limit';
import { openStoreForWriting, type StoreDb } from './open';
import { Retention, type RetentionLimits } from './retention';
import { BatchWriter } from './writer';
import { writeHostMeta } from './meta';

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

export interface StoreSinkStats extends SinkStats {
  /** Rows removed by retention. */
  pruned: number;
}

export interface StoreSink extends Sink {
  stats(): StoreSinkStats;
  /** Runs retention until nothing more is due (tests, and shutdown of a store over its cap). */
  enforceRetention(): number;
}

export function createStoreSink(opts: StoreSinkOptions): StoreSink {
  const db: StoreDb = openStoreForWriting(opts.path);
  const log = opts.logger.child({ component: 'store', path: opts.path });
  if (opts.host) writeHostMeta(db, opts.host);
  const writer = new BatchWriter(db);
  const retention = new Retention(db, opts.retention);
  const batchSize = opts.batchSize ?? 8192;
  const maxQueue = opts.maxQueue ?? 262_144;
  const nowUs = opts.nowUs ?? (() => Date.now() * 1000);
  const stats: StoreSinkStats = { written: 0, dropped: 0, errors: 0, pruned: 0 };
  const commitFailures = new LogLimit(REPEATED_WARNING);
  const retentionFailures = new LogLimit(REPEATED_WARNING);
  let queue: ConnectionEvent[] = [];
  let ends: ProcessEnd[] = [];
  let commitSoon = false;
  let closed = false;
  let retentionTimer: NodeJS.Timeout | undefined;

  const commitTx = db.transaction((events: readonly ConnectionEvent[], gone: readonly ProcessEnd[]) => writer.write(events, gone));

  function commit(): void {
    commitSoon = false;
    if (queue.length === 0 && ends.length === 0) return;
    const events = queue;
    const gone = ends;
    queue = [];
    ends = [];
    try {
      commitTx(events, gone);
      stats.written += events.length;
      commitFailures.reset();
    } catch (err) {
      // The transaction rolled back: ids cached during it may name rows that do not exist.
      writer.forgetIds();
      stats.errors++;
      stats.dropped += events.length;
      commitFailures.log(log, 'error', { err, dropped: events.length }, 'store commit failed; records dropped');
    }
  }

  function retain(): void {
    retentionTimer = undefined;
    if (closed) return;
    let more = false;
    try {
      const step = retention.step(nowUs());
      if (step.deleted > 0) {
        stats.pruned += step.deleted;
        writer.forgetIds();
      }
      more = step.more;
    } catch (err) {
      stats.errors++;
      retentionFailures.log(log, 'warn', { err }, 'store retention failed');
    }
    // More due: the next chunk after a short pause, so commits interleave with it.
    retentionTimer = setTimeout(retain, more ? 50 : (opts.retentionIntervalMs ?? 10_000));
    retentionTimer.unref();
  }

  const commitTimer = setInterval(commit, opts.commitIntervalMs ?? 250);
  commitTimer.unref();
  retentionTimer = setTimeout(retain, 1000);
  retentionTimer.unref();

  return {
    name: `store:${opts.path}`,
    write(ev) {
      if (closed || queue.length >= maxQueue) {
        stats.dropped++;
        return;
      }
      queue.push(ev);
      if (queue.length >= batchSize && !commitSoon) {
        commitSoon = true;
        setImmediate(commit);
      }
    },
    processEnded(end) {
      if (closed || ends.length >= maxQueue) return;
      ends.push(end);
    },
    async flush() {
      if (!closed) commit();
    },
    stats: () => ({ ...stats }),
    enforceRetention() {
      let total = 0;
      for (;;) {
        const step = retention.step(nowUs());
        total += step.deleted;
        if (!step.more) break;
      }
      if (total > 0) writer.forgetIds();
      stats.pruned += total;
      return total;
    },
    async close() {
      if (closed) return;
      commit();
      closed = true;
      clearInterval(commitTimer);
      if (retentionTimer) clearTimeout(retentionTimer);
      try {
        db.pragma('optimize');
      } catch {
        // only planner statistics: a store that cannot take them closes all the same
      }
      db.close();
    },
  };
}
