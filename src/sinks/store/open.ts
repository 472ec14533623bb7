// Opening the store: the sensor's one writing connection and the read-only ones of `query`
// and `hunt`. WAL lets readers read while the sensor writes; synchronous=NORMAL under WAL
// keeps every committed transaction through a crash of the process (only an OS crash or
// power loss can take the last commits back), at a fraction of FULL's fsyncs.
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PtError } from '../../core/errors';
import { checkReadable, migrate } from './schema';

export type StoreDb = Database.Database;

/** Opens (creating it 0600, in a directory created 0700) the store the sensor writes. */
export function openStoreForWriting(path: string): StoreDb {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  } catch (err) {
    throw new PtError('E_USAGE', `cannot create store ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
  let db: StoreDb;
  try {
    db = new Database(path);
    // Before the first table exists: 16 KiB pages keep the random inserts into the remote and
    // process indexes to fewer, fuller pages per commit than the 4 KiB default; and deleted
    // pages can be handed back to the file system.
    db.pragma('page_size = 16384');
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The remote and process indexes take inserts all over their key space: a cache that holds
    // their hot pages keeps a commit from reading them back from disk one by one.
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    db.pragma('mmap_size = 268435456');
    // Fewer, larger checkpoints (32 MiB of WAL rather than 16): a page changed by many
    // commits is copied into the database once per checkpoint.
    db.pragma('wal_autocheckpoint = 2048');
    db.pragma('journal_size_limit = 67108864');
    migrate(db, path);
  } catch (err) {
    if (err instanceof PtError) throw err;
    throw new PtError('E_USAGE', `cannot open store ${path}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

/** A read-only connection: it sees every commit of a running sensor and never blocks it. */
export function openStoreReadOnly(path: string): StoreDb {
  if (!existsSync(path)) throw new PtError('E_USAGE', `--store ${path}: no such store`);
  let db: StoreDb;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    db.pragma('mmap_size = 268435456');
  } catch (err) {
    throw new PtError('E_USAGE', `--store ${path}: cannot open: ${(err as Error).message}`, { cause: err });
  }
  try {
    checkReadable(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
