// Connections that match a filter, as ConnectionEvents in time order: what `query` prints.
//
// The index is chosen here rather than by SQLite's planner, which has no idea how many rows a
// blob range or a set of processes covers and, to spare a sort, walks the table in time order over a
// whole day for a CIDR that has a few hundred rows in it:
// - processes named: the matching process ids first, then the (process_id, time) index, one
//   seek per process, time bounds inside each seek;
// - one address: the (remote_ip, time) index, which gives its rows in time order;
// - an address range with few rows (counted on the (remote_ip, time) index, up to a cap): that
//   index, time bounds checked in the index before any row is read;
// - otherwise (a wide range, or no range): the table itself, which is kept in time order.
// With a limit, the newest matches are looked for in a time window at the end of the range that
// starts as wide as `limit` rows of any kind take and widens fourfold until it holds `limit`
// matches or the whole range: the rows read stay near the rows returned however common or rare
// the matches are.
import type { ConnectionEvent } from '../../core/connection-event';
import { connectionWhere, hasProcessConditions, matchingProcessIds, whereText, type ConnectionFilter } from './filter';
import type { StoreDb } from './open';
import { EVENT_COLUMNS, EVENT_JOINS, RowReader, type EventRow } from './rows';

export interface SearchOptions {
  /** The newest `limit` matches (still printed oldest first); all of them when absent. */
  readonly limit?: number | undefined;
}

/** An address range with fewer rows than this is read through the address index. */
const FEW_ROWS = 5000;

/** How a search reads: the table in time order, or one of its two indexes. */
type Access = 'table' | 'connection_remote' | 'connection_process';

export function* searchConnections(db: StoreDb, filter: ConnectionFilter, opts: SearchOptions = {}): Generator<ConnectionEvent> {
  // Two statements: SQLite reads a lone min() or max() from the end of the index, both at once by a full scan.
  const bounds = {
    lo: db.prepare('SELECT min(time_us) FROM connection').pluck().get() as number | null,
    hi: db.prepare('SELECT max(time_us) FROM connection').pluck().get() as number | null,
  };
  if (bounds.lo === null || bounds.hi === null) return;
  const lo = Math.max(filter.sinceUs ?? bounds.lo, bounds.lo);
  const hi = Math.min(filter.untilUs ?? bounds.hi + 1, bounds.hi + 1);
  if (lo >= hi) return;
  const processIds = hasProcessConditions(filter) ? matchingProcessIds(db, filter) : undefined;
  if (processIds !== undefined && processIds.length === 0) return;
  const access = chooseAccess(db, filter, lo, hi, processIds);
  const reader = new RowReader();
  const select = (since: number): { text: string; params: unknown[] } => {
    const sql = connectionWhere(filter, since, hi, processIds);
    // SQLite does not honour NOT INDEXED on a WITHOUT ROWID table: a unary + keeps the address
    // range off the address index, so the table is read in time order as chosen.
    const where = access === 'table' ? whereText(sql).replaceAll('c.remote_ip', '+c.remote_ip') : whereText(sql);
    const indexed = access === 'table' ? '' : `INDEXED BY ${access}`;
    return { text: `SELECT ${EVENT_COLUMNS} FROM connection c ${indexed} ${EVENT_JOINS} ${where}`, params: sql.params };
  };
  if (opts.limit === undefined) {
    const q = select(lo);
    for (const row of db.prepare(`${q.text} ORDER BY c.time_us, c.id`).iterate(...q.params) as IterableIterator<EventRow>) yield reader.event(row);
    return;
  }
  // The first window would hold `limit` rows if every row matched. Rows are numbered as they
  // are written, nearly in time order: the numbers of the oldest and the newest row tell how
  // many there are without counting them.
  const rows = Math.max(
    1,
    (db.prepare('SELECT id FROM connection ORDER BY time_us DESC, id DESC LIMIT 1').pluck().get() as number) -
      (db.prepare('SELECT id FROM connection ORDER BY time_us, id LIMIT 1').pluck().get() as number) +
      1,
  );
  let width = Math.max(1, Math.ceil(((bounds.hi - bounds.lo + 1) * opts.limit) / rows));
  // One address on its index comes in time order already: the LIMIT stops the walk, no window needed.
  if (access === 'connection_remote' && filter.remote!.lo.equals(filter.remote!.hi)) width = hi - lo;
  for (;;) {
    const since = Math.max(lo, hi - width);
    const q = select(since);
    const rows = db.prepare(`${q.text} ORDER BY c.time_us DESC, c.id DESC LIMIT ?`).all(...q.params, opts.limit) as EventRow[];
    if (rows.length >= opts.limit || since === lo) {
      for (let i = rows.length - 1; i >= 0; i--) yield reader.event(rows[i]!);
      return;
    }
    width *= 4;
  }
}

function chooseAccess(db: StoreDb, f: ConnectionFilter, lo: number, hi: number, processIds: readonly number[] | undefined): Access {
  if (f.remote?.lo.equals(f.remote.hi) && processIds === undefined) return 'connection_remote';
  if (f.remote !== undefined) {
    const rows = db
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM connection INDEXED BY connection_remote
           WHERE remote_ip BETWEEN ? AND ? AND time_us >= ? AND time_us < ? LIMIT ?)`,
      )
      .pluck()
      .get(f.remote.lo, f.remote.hi, lo, hi, FEW_ROWS) as number;
    if (rows < FEW_ROWS) return 'connection_remote';
  }
  return processIds !== undefined ? 'connection_process' : 'table';
}
