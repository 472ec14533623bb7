// Connections that match a filter, as ConnectionEvents in time order: what `query` prints.
import type { ConnectionEvent } from '../../core/connection-event';
import { connectionWhere, whereText, type ConnectionFilter } from './filter';
import type { StoreDb } from './open';
import { EVENT_COLUMNS, EVENT_JOINS, RowReader, type EventRow } from './rows';

export interface SearchOptions {
  /** The newest `limit` matches (still printed oldest first); all of them when absent. */
  readonly limit?: number | undefined;
}

export function* searchConnections(db: StoreDb, filter: ConnectionFilter, opts: SearchOptions = {}): Generator<ConnectionEvent> {
  const sql = connectionWhere(filter);
  const reader = new RowReader();
  const base = `SELECT ${EVENT_COLUMNS} FROM connection c ${EVENT_JOINS} ${whereText(sql)}`;
  if (opts.limit !== undefined) {
    const rows = db.prepare(`${base} ORDER BY c.time_us DESC, c.id DESC LIMIT ?`).all(...sql.params, opts.limit) as EventRow[];
    for (let i = rows.length - 1; i >= 0; i--) yield reader.event(rows[i]!);
    return;
  }
  for (const row of db.prepare(`${base} ORDER BY c.time_us, c.id`).iterate(...sql.params) as IterableIterator<EventRow>) {
    yield reader.event(row);
  }
}
