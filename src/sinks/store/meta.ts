// The host that recorded the store, kept in its `meta` table: `query --json` renders stored
// records with the host fields the sinks gave them, wherever the store is read.
import type { HostInfo } from '../../core/context';
import type { StoreDb } from './open';

const HOST_KEY = 'host';

export function writeHostMeta(db: StoreDb, host: HostInfo): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(HOST_KEY, JSON.stringify(host));
}

export function readHostMeta(db: StoreDb): HostInfo | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(HOST_KEY) as string | undefined;
  if (row === undefined) return undefined;
  try {
    return JSON.parse(row) as HostInfo;
  } catch {
    return undefined;
  }
}
