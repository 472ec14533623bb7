// Connections that match a filter, as ConnectionEvents in time order: what `query` prints.
//
// The index is chosen here rather than by SQLite's planner, which has no idea how many rows a
// blob range or a set of processes covers and, to spare a sort, walks the table in time order over a
// whole day for a CIDR that has a few hundred rows in it:
// - processes named: the matching process ids first, then the (hour, process_id, time) index;
// - one address: the (hour, remote_ip, time) index;
// - an address range with few rows (counted on that index, up to a cap): the same index, time
//   bounds checked in the index before any row is read;
// - otherwise (a wide range, or no range): the table itself, which is kept in time order.
// Both indexes lead with the hour (schema.ts), so an indexed search reads hour by hour: oldest
// first for all matches, newest first until `limit` are found for the newest ones. On the
// table, the newest matches are looked for in a time window at the end of the range that starts
// as wide as `limit` rows of any kind take and widens fourfold until it holds `limit` matches or
// the whole range: the rows read stay near the rows returned however common or rare the
// matches are.
import type { ConnectionEvent } from '../../core/connection-event';
import { connectionWhere, hasProcessConditions, matchingProcessIds, whereText, type ConnectionFilter } from './filter';
import type { StoreDb } from './open';
import { EVENT_COLUMNS, EVENT_JOINS, RowReader, type EventRow } from './rows';
import { INDEX_BUCKET_US } from './schema';

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
  const rows =
    access === 'table' ? readTable(db, filter, lo, hi, { lo: bounds.lo, hi: bounds.hi }, processIds, opts.limit) : readByHour(db, access, filter, lo, hi, processIds, opts.limit);
  for (const row of rows) yield reader.event(row);
}

/** The matching rows through an index that leads with the hour: one statement per hour of [lo, hi). */
function* readByHour(
  db: StoreDb,
  access: Exclude<Access, 'table'>,
  filter: ConnectionFilter,
  lo: number,
  hi: number,
  processIds: readonly number[] | undefined,
  limit: number | undefined,
): Generator<EventRow> {
  const sql = connectionWhere(filter, lo, hi, processIds);
  const order = limit === undefined ? '' : 'DESC';
  const stmt = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM connection c INDEXED BY ${access} ${EVENT_JOINS}
     WHERE c.time_us / ${INDEX_BUCKET_US} = ? AND ${sql.where.join(' AND ')}
     ORDER BY c.time_us ${order}, c.id ${order} ${limit === undefined ? '' : 'LIMIT ?'}`,
  );
  const first = Math.floor(lo / INDEX_BUCKET_US);
  const last = Math.floor((hi - 1) / INDEX_BUCKET_US);
  if (limit === undefined) {
    for (let hour = first; hour <= last; hour++) yield* stmt.iterate(hour, ...sql.params) as IterableIterator<EventRow>;
    return;
  }
  const newest: EventRow[] = [];
  for (let hour = last; hour >= first && newest.length < limit; hour--) {
    for (const row of stmt.all(hour, ...sql.params, limit - newest.length) as EventRow[]) newest.push(row);
  }
  for (let i = newest.length - 1; i >= 0; i--) yield newest[i]!;
}

/** The matching rows read from the table in time order; with a limit, the newest in a widening window. */
function* readTable(
  db: StoreDb,
  filter: ConnectionFilter,
  lo: number,
  hi: number,
  bounds: { readonly lo: number; readonly hi: number },
  processIds: readonly number[] | undefined,
  limit: number | undefined,
): Generator<EventRow> {
  const select = (since: number): { text: string; params: unknown[] } => {
    const sql = connectionWhere(filter, since, hi, processIds);
    // SQLite does not honour NOT INDEXED on a WITHOUT ROWID table: a unary + keeps the address
    // range off the address index, so the table is read in time order as chosen.
    return { text: `SELECT ${EVENT_COLUMNS} FROM connection c ${EVENT_JOINS} ${whereText(sql).replaceAll('c.remote_ip', '+c.remote_ip')}`, params: sql.params };
  };
  if (limit === undefined) {
    const q = select(lo);
    yield* db.prepare(`${q.text} ORDER BY c.time_us, c.id`).iterate(...q.params) as IterableIterator<EventRow>;
    return;
  }
  // The first window would hold `limit` rows if every row matched. Rows are numbered as they
  // are written, nearly in time order: the numbers of the oldest and the newest row tell how
  // many there are without counting them.
  const stored = Math.max(
    1,
    (db.prepare('SELECT id FROM connection ORDER BY time_us DESC, id DESC LIMIT 1').pluck().get() as number) -
      (db.prepare('SELECT id FROM connection ORDER BY time_us, id LIMIT 1').pluck().get() as number) +
      1,
  );
  let width = Math.max(1, Math.ceil(((bounds.hi - bounds.lo + 1) * limit) / stored));
  for (;;) {
    const since = Math.max(lo, hi - width);
    const q = select(since);
    const rows = db.prepare(`${q.text} ORDER BY c.time_us DESC, c.id DESC LIMIT ?`).all(...q.params, limit) as EventRow[];
    if (rows.length >= limit || since === lo) {
      for (let i = rows.length - 1; i >= 0; i--) yield rows[i]!;
      return;
    }
    width *= 4;
  }
}

function chooseAccess(db: StoreDb, f: ConnectionFilter, lo: number, hi: number, processIds: readonly number[] | undefined): Access {
  if (f.remote?.lo.equals(f.remote.hi) && processIds === undefined) return 'connection_remote';
  if (f.remote !== undefined) {
    // Counted hour by hour on the index, newest first, up to the cap.
    const count = db.prepare(
      `SELECT count(*) FROM (SELECT 1 FROM connection INDEXED BY connection_remote
         WHERE time_us / ${INDEX_BUCKET_US} = ? AND remote_ip BETWEEN ? AND ? AND time_us >= ? AND time_us < ? LIMIT ?)`,
    );
    let rows = 0;
    for (let hour = Math.floor((hi - 1) / INDEX_BUCKET_US); hour >= Math.floor(lo / INDEX_BUCKET_US) && rows < FEW_ROWS; hour--) {
      rows += count.pluck().get(hour, f.remote.lo, f.remote.hi, lo, hi, FEW_ROWS - rows) as number;
    }
    if (rows < FEW_ROWS) return 'connection_remote';
  }
  return processIds !== undefined ? 'connection_process' : 'table';
}
