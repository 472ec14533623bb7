// Retention by age and by size, in small steps between the sensor's commits: each step deletes
// at most one chunk of the oldest rows, so capture never waits behind a long delete. Deleted
// pages go back to the file system through incremental vacuum. The size measured is the
// database's pages in use (the WAL is capped separately by journal_size_limit).
import type Database from 'better-sqlite3';
import type { StoreDb } from './open';
import { INDEX_BUCKET_US } from './schema';

const DAY_US = 86_400_000_000;

export interface RetentionLimits {
  /** Records older than this go; 0 keeps them regardless of age. */
  readonly maxAgeMs: number;
  /** The oldest records go while the store's pages in use exceed this; 0 for no cap. */
  readonly maxBytes: number;
}

export interface RetentionStep {
  /** Rows deleted by this step (connections, alerts, processes, rollup rows). */
  readonly deleted: number;
  /** True when the step stopped at its chunk size and more is due. */
  readonly more: boolean;
}

export class Retention {
  private readonly oldestConnections: Database.Statement;
  private readonly deleteAlerts: Database.Statement;
  private readonly deleteRollup: Database.Statement;
  private readonly deleteListeners: Database.Statement;
  private readonly deleteProcesses: Database.Statement;
  private readonly oldest: Database.Statement;

  constructor(
    private readonly db: StoreDb,
    private readonly limits: RetentionLimits,
    private readonly chunk = 5000,
  ) {
    this.oldestConnections = db.prepare('DELETE FROM connection WHERE (time_us, id) IN (SELECT time_us, id FROM connection WHERE time_us < ? ORDER BY time_us LIMIT ?)');
    this.deleteAlerts = db.prepare('DELETE FROM alert WHERE id IN (SELECT id FROM alert WHERE time_us < ? ORDER BY time_us LIMIT ?)');
    this.deleteRollup = db.prepare('DELETE FROM rollup WHERE day < ?');
    this.deleteListeners = db.prepare('DELETE FROM listener WHERE last_us < ?');
    this.deleteProcesses = db.prepare(
      `DELETE FROM process WHERE id IN (SELECT p.id FROM process p
         WHERE (p.end_us < ? OR (p.end_us IS NULL AND p.start_ms < ?))
           AND (p.last_hour IS NULL OR p.last_hour < ?)
           AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.process_id = p.id OR a.previous_process_id = p.id)
         LIMIT ?)`,
    );
    this.oldest = db.prepare('SELECT time_us AS t FROM connection ORDER BY time_us LIMIT 1 OFFSET ?').pluck();
  }

  /** Pages in use, in bytes. */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** One bounded step of deletes at wall time nowUs; run it again while `more` is set. */
  step(nowUs: number): RetentionStep {
    let cutoff = this.limits.maxAgeMs > 0 ? nowUs - this.limits.maxAgeMs * 1000 : -Infinity;
    if (this.limits.maxBytes > 0 && this.usedBytes() > this.limits.maxBytes) {
      // Over the cap: the chunk's worth of oldest connections goes, whatever their age.
      const t = this.oldest.get(this.chunk - 1) as number | undefined;
      const sizeCutoff = t === undefined ? Infinity : t + 1;
      if (sizeCutoff > cutoff) cutoff = sizeCutoff;
    }
    if (cutoff === -Infinity) return { deleted: 0, more: false };
    const run = this.db.transaction(() => {
      const c = this.oldestConnections.run(cutoff, this.chunk).changes;
      const a = this.deleteAlerts.run(cutoff, this.chunk).changes;
      const remaining = this.oldest.get(0) as number | undefined;
      const oldest = remaining ?? cutoff;
      const r = this.deleteRollup.run(Math.floor(Math.min(cutoff, oldest) / DAY_US)).changes;
      const l = this.deleteListeners.run(cutoff).changes;
      // A process whose newest connection is in an hour before the oldest one left has none left.
      const firstHourLeft = remaining === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(remaining / INDEX_BUCKET_US);
      const p = this.deleteProcesses.run(cutoff, Math.floor(cutoff / 1000), firstHourLeft, this.chunk).changes;
      return { deleted: c + a + r + l + p, more: c === this.chunk || a === this.chunk || p === this.chunk };
    });
    const result = run();
    if (result.deleted > 0) this.db.pragma('incremental_vacuum(2000)');
    return result;
  }
}
