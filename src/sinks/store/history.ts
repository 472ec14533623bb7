// The stored history for the detectors: `hunt` replays it, and a starting sensor seeds its
// detectors with what is already known (pairs seen, listeners, alerts already raised).
import type { KnownListener, KnownPair } from '../../core/known';
import type { ActivityItem } from '../../core/stages';
import { DIRECTIONS, fromCode } from './codes';
import { blobToIp } from './ip-blob';
import type { StoreDb } from './open';
import { EVENT_COLUMNS, EVENT_JOINS, RowReader, type EventRow } from './rows';

const DAY_US = 86_400_000_000;

export interface ActivityRange {
  readonly sinceUs: number;
  /** Exclusive; everything stored when absent. */
  readonly untilUs?: number;
}

/**
 * Connections in time order as ConnectionEvents, with a process_end item at each stored
 * process end time in the range, interleaved in time order (an end sorts after a connection
 * of the same microsecond: a process's last connection comes before its exit).
 */
export function* readActivity(db: StoreDb, range: ActivityRange): Generator<ActivityItem> {
  const until = range.untilUs ?? Number.MAX_SAFE_INTEGER;
  const reader = new RowReader();
  const connections = db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM connection c ${EVENT_JOINS} WHERE c.time_us >= ? AND c.time_us < ? ORDER BY c.time_us, c.id`)
    .iterate(range.sinceUs, until) as IterableIterator<EventRow>;
  // A second statement iterates at the same time: better-sqlite3 allows it on one connection for reads.
  const ends = db.prepare('SELECT pid, entity_id, end_us FROM process WHERE end_us >= ? AND end_us < ? ORDER BY end_us').iterate(range.sinceUs, until) as IterableIterator<{
    pid: number;
    entity_id: string;
    end_us: number;
  }>;
  let end = ends.next();
  for (const row of connections) {
    while (!end.done && end.value.end_us < row.time_us) {
      yield processEnd(end.value);
      end = ends.next();
    }
    yield { kind: 'connection', ev: reader.event(row) };
  }
  while (!end.done) {
    yield processEnd(end.value);
    end = ends.next();
  }
}

function processEnd(row: { pid: number; entity_id: string; end_us: number }): ActivityItem {
  return { kind: 'process_end', end: { pid: row.pid, entityId: row.entity_id, timeUs: row.end_us } };
}

export interface Known {
  /** The oldest stored connection's time (undefined for an empty store): how far back "known" reaches. */
  readonly earliestUs: number | undefined;
  readonly pairs: Iterable<KnownPair>;
  readonly listeners: Iterable<KnownListener>;
  readonly alertIds: Iterable<string>;
}

/** What the store already knows since `sinceUs`, from the rollup and listener tables (day granularity for pairs). */
export function readKnown(db: StoreDb, opts: { readonly sinceUs: number }): Known {
  const earliestUs = (db.prepare('SELECT min(time_us) FROM connection').pluck().get() as number | null) ?? undefined;
  const fromDay = Math.floor(opts.sinceUs / DAY_US);
  return {
    earliestUs,
    pairs: mapRows(
      () =>
        db
          .prepare(
            `SELECT DISTINCT g.executable AS exe, r.remote_ip AS ip, r.remote_port AS port, r.direction AS dir
           FROM rollup r JOIN program g ON g.id = r.program_id WHERE r.day >= ? AND r.last_us >= ?`,
          )
          .iterate(fromDay, opts.sinceUs) as IterableIterator<{ exe: string; ip: Buffer; port: number; dir: number }>,
      (r) => ({ exe: r.exe, remoteIp: blobToIp(r.ip), remotePort: r.port, direction: fromCode(DIRECTIONS, r.dir, 'egress') }),
    ),
    listeners: mapRows(
      () =>
        db
          .prepare('SELECT DISTINCT g.executable AS exe, l.port AS port FROM listener l JOIN program g ON g.id = l.program_id WHERE l.last_us >= ?')
          .iterate(opts.sinceUs) as IterableIterator<{ exe: string; port: number }>,
      (r) => ({ exe: r.exe, port: r.port }),
    ),
    alertIds: mapRows(
      () => db.prepare('SELECT alert_id FROM alert').pluck().iterate() as IterableIterator<string>,
      (id) => id,
    ),
  };
}

/** A lazily mapped iterable; each iteration runs its statement afresh. */
function mapRows<R, T>(rows: () => IterableIterator<R>, map: (r: R) => T): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const r of rows()) yield map(r);
    },
  };
}
