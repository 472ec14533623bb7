// A store written by the first schema, opened by this build: its indexes are rebuilt to lead
// with the hour, each process learns the hour of its newest connection, and nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStoreReadOnly, parseAddressRange, searchConnections } from '../../../src/sinks/store';
import { openStoreForWriting } from '../../../src/sinks/store/open';
import { ipToBlob } from '../../../src/sinks/store/ip-blob';
import { INDEX_BUCKET_US, migrate } from '../../../src/sinks/store/schema';

const T0 = Date.UTC(2025, 10, 24) * 1000;

test('a first-schema store is migrated: hour-led indexes, last_hour filled, every row found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-migrate-'));
  const path = join(dir, 'old.db');
  try {
    const old = new Database(path);
    migrate(old, path, 1);
    old.prepare("INSERT INTO program (id, executable, name, uid, user_name) VALUES (1, '/usr/bin/curl', 'curl', 0, 'root')").run();
    old.prepare("INSERT INTO process (id, entity_id, program_id, pid) VALUES (1, 'e-1', 1, 10), (2, 'e-2', 1, 11), (3, 'e-3', 1, 12)").run();
    const insert = old.prepare(
      `INSERT INTO connection (time_us, id, process_id, action, outcome, transport, direction, capture, attribution, local_ip, local_port, remote_ip, remote_port)
       VALUES (?, ?, ?, 1, 1, 1, 1, 1, 1, ?, 40000, ?, 443)`,
    );
    const local = ipToBlob('192.0.2.10')!;
    for (let i = 0; i < 600; i++) insert.run(T0 + i * 60_000_000, i + 1, 1 + (i % 2), local, ipToBlob(`10.0.0.${1 + (i % 3)}`)!);
    old.close();

    // A reader does not migrate: it says what to do instead of failing on a missing column.
    assert.throws(() => openStoreReadOnly(path), /schema version 1 is older than this packettrail .*start this version's sensor/);
    openStoreForWriting(path).close();
    const db = openStoreReadOnly(path);
    try {
      assert.ok((db.pragma('user_version', { simple: true }) as number) >= 2, 'migrated past the first schema');
      const columns = (db.prepare("SELECT name FROM pragma_table_info('connection')").pluck().all() as string[]).join(',');
      assert.match(columns, /duration_ns,bytes_out,bytes_in,packets_out,packets_in$/, 'the close columns are added');
      const indexSql = db.prepare("SELECT sql FROM sqlite_master WHERE name IN ('connection_remote', 'connection_process')").pluck().all() as string[];
      assert.equal(indexSql.length, 2);
      for (const sql of indexSql) assert.match(sql, new RegExp(`time_us / ${INDEX_BUCKET_US}`));
      const hours = db.prepare('SELECT id, last_hour FROM process ORDER BY id').all() as { id: number; last_hour: number | null }[];
      assert.deepEqual(hours, [
        { id: 1, last_hour: Math.floor((T0 + 598 * 60_000_000) / INDEX_BUCKET_US) },
        { id: 2, last_hour: Math.floor((T0 + 599 * 60_000_000) / INDEX_BUCKET_US) },
        { id: 3, last_hour: null },
      ]);
      const found = [...searchConnections(db, { remote: parseAddressRange('10.0.0.2') as Exclude<ReturnType<typeof parseAddressRange>, string> })];
      assert.equal(found.length, 200);
      assert.ok(found.every((ev, i) => i === 0 || ev.timeUs > found[i - 1]!.timeUs));
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
