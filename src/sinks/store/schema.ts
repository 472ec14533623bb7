// The store's schema and its migrations. PRAGMA user_version is the number of migrations
// applied; a store opened by a newer build than this one is refused rather than guessed at.
//
// Shape: `connection` rows are small (integers and two 16-byte address blobs) and refer to a
// `process` row written once per process (entity id); the process refers to a `program`
// (executable, name, user), the unit the rollup and the detectors count by. `rollup` holds
// per day × program × remote address × service port × direction × transport × action the
// count and first/last time (the service port is the remote port of an egress connection and
// the local port of an ingress one: the other end's port is ephemeral and would make every
// accepted connection a key of its own), maintained in the connection's own transaction, so counting
// over days reads thousands of rows instead of millions.
//
// `connection` is stored in time order (WITHOUT ROWID, keyed by time and a number the writer
// gives each row): a time range is a range of the table itself, so no separate time index is
// kept, and the two secondary indexes (remote address, process) are the only extra B-trees an
// insert touches. Both lead with the hour of the connection (`time_us / INDEX_BUCKET_US`): the
// inserts of a running sensor then all fall into the current hour's end of each index, a few
// hundred pages that stay in the cache, where an index led by the address takes them all over
// its key space and every commit rewrites pages spread over the whole file. A lookup pays
// instead one index seek per hour of the range it covers (search.ts).
import type Database from 'better-sqlite3';
import { PtError } from '../../core/errors';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE program (
    id INTEGER PRIMARY KEY,
    executable TEXT NOT NULL,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    user_name TEXT NOT NULL,
    UNIQUE (executable, name, uid, user_name)
  );
  CREATE INDEX program_name ON program (name);
  CREATE TABLE process (
    id INTEGER PRIMARY KEY,
    entity_id TEXT NOT NULL,
    program_id INTEGER NOT NULL REFERENCES program (id),
    pid INTEGER NOT NULL,
    command_line TEXT,
    args TEXT,
    start_ms INTEGER,
    start_ticks INTEGER,
    parent_pid INTEGER,
    parent_name TEXT,
    parent_executable TEXT,
    parent_entity_id TEXT,
    container_id TEXT,
    exited INTEGER,
    end_us INTEGER,
    UNIQUE (entity_id, program_id)
  );
  CREATE INDEX process_pid ON process (pid);
  CREATE INDEX process_end ON process (end_us) WHERE end_us IS NOT NULL;
  CREATE TABLE connection (
    time_us INTEGER NOT NULL,
    id INTEGER NOT NULL,
    process_id INTEGER REFERENCES process (id),
    action INTEGER NOT NULL,
    outcome INTEGER NOT NULL,
    transport INTEGER NOT NULL,
    direction INTEGER NOT NULL,
    capture INTEGER NOT NULL,
    attribution INTEGER NOT NULL,
    local_ip BLOB NOT NULL,
    local_port INTEGER NOT NULL,
    remote_ip BLOB NOT NULL,
    remote_port INTEGER NOT NULL,
    tid INTEGER,
    errno INTEGER,
    preexisting INTEGER,
    PRIMARY KEY (time_us, id)
  ) WITHOUT ROWID;
  CREATE INDEX connection_remote ON connection (remote_ip, time_us);
  CREATE INDEX connection_process ON connection (process_id, time_us);
  CREATE TABLE rollup (
    day INTEGER NOT NULL,
    program_id INTEGER NOT NULL,
    remote_ip BLOB NOT NULL,
    remote_port INTEGER NOT NULL,
    local_port INTEGER NOT NULL,
    direction INTEGER NOT NULL,
    transport INTEGER NOT NULL,
    action INTEGER NOT NULL,
    count INTEGER NOT NULL,
    first_us INTEGER NOT NULL,
    last_us INTEGER NOT NULL,
    PRIMARY KEY (day, program_id, remote_ip, remote_port, local_port, direction, transport, action)
  ) WITHOUT ROWID;
  CREATE TABLE listener (
    program_id INTEGER NOT NULL,
    port INTEGER NOT NULL,
    transport INTEGER NOT NULL,
    first_us INTEGER NOT NULL,
    last_us INTEGER NOT NULL,
    PRIMARY KEY (program_id, port, transport)
  ) WITHOUT ROWID;
  CREATE TABLE alert (
    id INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL UNIQUE,
    time_us INTEGER NOT NULL,
    rule INTEGER NOT NULL,
    description TEXT NOT NULL,
    reason TEXT NOT NULL,
    severity INTEGER NOT NULL,
    risk_score INTEGER NOT NULL,
    process_id INTEGER REFERENCES process (id),
    previous_process_id INTEGER REFERENCES process (id),
    previous_end_us INTEGER,
    beacon_period_s REAL,
    beacon_score REAL,
    beacon_count INTEGER,
    action INTEGER NOT NULL,
    outcome INTEGER NOT NULL,
    transport INTEGER NOT NULL,
    direction INTEGER NOT NULL,
    capture INTEGER NOT NULL,
    attribution INTEGER NOT NULL,
    local_ip BLOB NOT NULL,
    local_port INTEGER NOT NULL,
    remote_ip BLOB NOT NULL,
    remote_port INTEGER NOT NULL
  );
  CREATE INDEX alert_time ON alert (time_us);
  `,
  // The secondary indexes lead with the hour (see above); the expression is INDEX_BUCKET_US.
  // A process keeps the hour of its newest connection: retention can tell that all of its
  // connections are gone without a process_id index to look them up by.
  `
  ALTER TABLE process ADD COLUMN last_hour INTEGER;
  UPDATE process SET last_hour = (SELECT max(c.time_us) / 3600000000 FROM connection c WHERE c.process_id = process.id);
  DROP INDEX connection_remote;
  DROP INDEX connection_process;
  CREATE INDEX connection_remote ON connection (time_us / 3600000000, remote_ip, time_us);
  CREATE INDEX connection_process ON connection (time_us / 3600000000, process_id, time_us);
  `,
  // The name the process resolved the remote address from (a DNS answer), when one was seen.
  'ALTER TABLE connection ADD COLUMN domain TEXT;',
  // The SHA-256 of the file the process ran; it may come after the process's first row.
  'ALTER TABLE process ADD COLUMN executable_sha256 TEXT;',
  // 1 when the file the process ran had been unlinked (the path is the one it had).
  'ALTER TABLE process ADD COLUMN executable_deleted INTEGER;',
  // A connection_closed row: how long the connection lasted and what it carried each way
  // (out: sent by this host); NULL where the capture tier does not know.
  `
  ALTER TABLE connection ADD COLUMN duration_ns INTEGER;
  ALTER TABLE connection ADD COLUMN bytes_out INTEGER;
  ALTER TABLE connection ADD COLUMN bytes_in INTEGER;
  ALTER TABLE connection ADD COLUMN packets_out INTEGER;
  ALTER TABLE connection ADD COLUMN packets_in INTEGER;
  `,
];

/** The span of one index bucket (an hour, in microseconds): queries name it as `time_us / INDEX_BUCKET_US`, as the indexes do. */
export const INDEX_BUCKET_US = 3_600_000_000;

const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the store up to this build's schema (or to `target`, for tests of a migration), one migration per transaction. */
export function migrate(db: Database.Database, path: string, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new PtError('E_CONFIG', `store ${path}: schema version ${current} is newer than this packettrail (${SCHEMA_VERSION})`);
  }
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Checks a store opened read-only: its schema must be one this build reads. */
export function checkReadable(db: Database.Database, path: string): void {
  const v = db.pragma('user_version', { simple: true }) as number;
  if (v === 0) throw new PtError('E_USAGE', `store ${path}: not a packettrail store (no schema)`);
  if (v > SCHEMA_VERSION) throw new PtError('E_USAGE', `store ${path}: schema version ${v} is newer than this packettrail (${SCHEMA_VERSION})`);
  // A reader never migrates: a migration can rebuild indexes for minutes and would hold up the
  // sensor still writing the file. The sensor of this version upgrades it when it starts.
  if (v < SCHEMA_VERSION) {
    throw new PtError('E_USAGE', `store ${path}: schema version ${v} is older than this packettrail (${SCHEMA_VERSION}); start this version's sensor on it once to upgrade it`);
  }
}
