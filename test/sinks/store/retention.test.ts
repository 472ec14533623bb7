// Retention by age and by size, in chunks: old records go, their processes and rollup days
// with them, and new writes still work afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreReadOnly, countBy } from '../../../src/sinks/store';
import { curlEvent, egressEvent } from '../../helpers/events';
import { tempStore } from './store-fixtures';

const DAY_US = 86_400_000_000;
const NOW_US = Date.UTC(2025, 11, 1) * 1000;

test('retention by age removes older records, their ended processes and rollup days', async () => {
  const s = tempStore({ retention: { maxAgeMs: 10 * 86_400_000, maxBytes: 0 }, nowUs: () => NOW_US });
  try {
    for (let d = 0; d < 20; d++) {
      for (let i = 0; i < 300; i++) {
        const ev = curlEvent(d * 1000 + i, { entityId: `ent-${d}`, startMs: (NOW_US - (20 - d) * DAY_US) / 1000 });
        s.sink.write({ ...ev, timeUs: NOW_US - (20 - d) * DAY_US + i });
      }
      s.sink.processEnded!({ pid: 1, entityId: `ent-${d}`, timeUs: NOW_US - (20 - d) * DAY_US + 1000 });
    }
    await s.sink.flush();
    // The sink's own background step may have run first: what counts is all that was pruned.
    s.sink.enforceRetention();
    const pruned = s.sink.stats().pruned;
    assert.ok(pruned >= 3000, `pruned ${pruned}`);
    const db = openStoreReadOnly(s.path);
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    assert.equal(n('SELECT count(*) FROM connection'), 10 * 300);
    assert.ok(n('SELECT min(time_us) FROM connection') >= NOW_US - 10 * DAY_US);
    assert.equal(n('SELECT count(*) FROM process'), 10, 'the old processes went with their connections');
    assert.equal(countBy(db, 'exe', {})[0]!.count, 3000, 'the rollup agrees with what is left');
    db.close();
    // The writer's cached ids were forgotten: a process seen before retention is written again.
    s.sink.write(egressEvent({ timeUs: NOW_US }));
    await s.sink.flush();
    assert.equal(s.sink.stats().errors, 0);
  } finally {
    await s.remove();
  }
});

test('retention by size deletes the oldest records until the store is under its cap', async () => {
  const cap = 2 * 1024 * 1024;
  const s = tempStore({ retention: { maxAgeMs: 0, maxBytes: cap }, nowUs: () => NOW_US });
  try {
    for (let i = 0; i < 60_000; i++) s.sink.write({ ...curlEvent(i, { entityId: `ent-${i % 500}` }), timeUs: NOW_US - 60_000 + i });
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    const used = () =>
      ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * (db.pragma('page_size', { simple: true }) as number);
    assert.ok(used() > cap, `the store starts over its cap: ${used()}`);
    s.sink.enforceRetention();
    assert.ok(used() <= cap, `under the cap after retention: ${used()}`);
    const oldest = db.prepare('SELECT min(time_us) FROM connection').pluck().get() as number;
    const left = db.prepare('SELECT count(*) FROM connection').pluck().get() as number;
    assert.ok(left > 0 && left < 60_000);
    assert.equal(oldest, NOW_US - left, 'the newest records are the ones kept');
    db.close();
  } finally {
    await s.remove();
  }
});
