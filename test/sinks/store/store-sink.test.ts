// The store sink: records read back as the same ECS, one process row for many connections,
// alerts kept once per id, and file modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import { ecsLine } from '../../../src/format/ecs';
import { silentLogger } from '../../../src/core/context';
import { createStoreSink, openStoreReadOnly, readKnown, searchConnections } from '../../../src/sinks/store';
import { curlEvent, egressEvent, ENV, ingressEvent } from '../../helpers/events';
import { tempStore } from './store-fixtures';

test('records read back render the same ECS as the ones written', async () => {
  const s = tempStore();
  try {
    const v6: ConnectionEvent = egressEvent({
      family: 'ipv6',
      transport: 'udp',
      action: 'udp_flow',
      local: { ip: '2001:db8::10', port: 5353 },
      remote: { ip: '2001:db8:ffff::1', port: 53 },
      errno: 111,
      outcome: 'failure',
      preexisting: true,
      capture: 'poll',
      attribution: 'socket-owner',
    });
    // Two connections to the same name in one batch: the domain goes across once, both keep it.
    const named = egressEvent({ timeUs: egressEvent().timeUs + 5, domain: 'www.example.org' });
    const namedAgain = egressEvent({ timeUs: egressEvent().timeUs + 6, domain: 'www.example.org', remote: { ip: '93.184.216.35', port: 443 } });
    // A process whose executable had been unlinked: the flag comes back with the process.
    const deleted = curlEvent(8, { entityId: 'e-deleted', executableDeleted: true });
    const written = [egressEvent(), ingressEvent(), v6, curlEvent(7), named, namedAgain, deleted];
    for (const ev of written) s.sink.write(ev);
    await s.sink.flush();
    assert.equal(s.sink.stats().written, 7);
    const db = openStoreReadOnly(s.path);
    const read = [...searchConnections(db, {})];
    db.close();
    const byTime = [...written].sort((a, b) => a.timeUs - b.timeUs);
    assert.deepEqual(
      read.map((ev) => ecsLine(ev, ENV)),
      byTime.map((ev) => ecsLine(ev, ENV)),
    );
    assert.deepEqual(
      read.filter((ev) => ev.domain !== undefined).map((ev) => ev.domain),
      ['www.example.org', 'www.example.org'],
    );
  } finally {
    await s.remove();
  }
});

test('one process row and one program row for many connections of one process', async () => {
  const s = tempStore();
  try {
    const proc = curlEvent(1).process!;
    for (let i = 0; i < 1000; i++) s.sink.write({ ...curlEvent(i), process: proc });
    // A second process of the same program: a second process row, the same program row.
    for (let i = 0; i < 10; i++) s.sink.write(curlEvent(i, { entityId: 'other-entity', pid: 99 }));
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    assert.equal(n('SELECT count(*) FROM connection'), 1010);
    assert.equal(n('SELECT count(*) FROM process'), 2);
    assert.equal(n('SELECT count(*) FROM program'), 1);
    assert.equal(n('SELECT count(DISTINCT process_id) FROM connection'), 2);
    db.close();
  } finally {
    await s.remove();
  }
});

test('an alert is stored once per id and its id is known to the detectors', async () => {
  const s = tempStore();
  try {
    const alert = {
      rule: 'handoff' as const,
      description: 'a process reached an address another one used just before exiting',
      reason: 'curl reached 93.184.216.34:443 after bash exited',
      severity: 73,
      riskScore: 73,
      id: 'handoff:abc',
      previous: { process: ingressEvent().process!, endUs: 123 },
    };
    s.sink.write(egressEvent({ alert }));
    s.sink.write(egressEvent({ alert, timeUs: egressEvent().timeUs + 5 }));
    s.sink.write(egressEvent());
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    assert.equal(db.prepare('SELECT count(*) FROM alert').pluck().get(), 1);
    assert.equal(db.prepare('SELECT count(*) FROM connection').pluck().get(), 1, 'an alert is not a second connection');
    const row = db.prepare('SELECT a.reason, a.previous_end_us, p.pid FROM alert a JOIN process p ON p.id = a.previous_process_id').get() as Record<string, unknown>;
    assert.deepEqual(row, { reason: alert.reason, previous_end_us: 123, pid: 700 });
    assert.deepEqual([...readKnown(db, { sinceUs: 0 }).alertIds], ['handoff:abc']);
    db.close();
  } finally {
    await s.remove();
  }
});

test('the store file is created 0600 in a directory created 0700', async () => {
  const s = tempStore();
  try {
    s.sink.write(egressEvent());
    await s.sink.flush();
    assert.equal(statSync(s.path).mode & 0o777, 0o600);
    assert.equal(statSync(`${s.path}-wal`).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(s.path)).mode & 0o777, 0o700);
  } finally {
    await s.remove();
  }
});

test('write never throws after close; later records are counted as dropped', async () => {
  const s = tempStore();
  await s.sink.close();
  s.sink.write(egressEvent());
  assert.equal(s.sink.stats().dropped, 1);
  await s.remove();
});

test('a writer thread that falls behind: records beyond the queue bound are dropped and counted, none lost uncounted', async () => {
  // Records come faster than a thread can commit them (no pause but a tick between chunks): the
  // batches it has not committed yet count against the bound, so its queue stays bounded.
  const s = tempStore({ batchSize: 1024, maxQueue: 8192 });
  try {
    const total = 196 * 1024;
    let maxWaiting = 0;
    for (let i = 0; i < total; i += 1024) {
      for (let j = i; j < i + 1024; j++) s.sink.write({ ...curlEvent(j % 50), timeUs: 1_700_000_000_000_000 + j });
      const st = s.sink.stats();
      maxWaiting = Math.max(maxWaiting, i + 1024 - st.written - st.dropped);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await s.sink.flush();
    const st = s.sink.stats();
    assert.ok(st.dropped > 0, 'the writer fell behind and the bound dropped records');
    assert.equal(st.written + st.dropped, total, 'every record is written or counted as dropped');
    assert.ok(maxWaiting <= 8192 + 1024, `at most the bound (and one chunk) waited: ${maxWaiting}`);
    const db = openStoreReadOnly(s.path);
    assert.equal(db.prepare('SELECT count(*) FROM connection').pluck().get(), st.written);
    db.close();
  } finally {
    await s.remove();
  }
});

test('connections of the same microsecond, out of order and across a restart, are all kept in time order', async () => {
  const s = tempStore();
  try {
    const at = (timeUs: number, port: number): ConnectionEvent => egressEvent({ timeUs, remote: { ip: '198.51.100.7', port } });
    const base = egressEvent().timeUs;
    for (const ev of [at(base + 5, 1), at(base + 5, 2), at(base, 3), at(base + 5, 4)]) s.sink.write(ev);
    await s.sink.flush();
    await s.sink.close();
    // A second writer on the same file: its rows must not take the keys of the first one's.
    const again = createStoreSink({ path: s.path, retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, host: ENV.host });
    for (const ev of [at(base + 5, 5), at(base, 6)]) again.write(ev);
    await again.flush();
    assert.equal(again.stats().errors, 0);
    await again.close();
    const db = openStoreReadOnly(s.path);
    const ports = [...searchConnections(db, {})].map((ev) => ev.remote.port);
    const newest = [...searchConnections(db, {}, { limit: 2 })].map((ev) => ev.remote.port);
    db.close();
    // Same microsecond: in the order written.
    assert.deepEqual(ports, [3, 6, 1, 2, 4, 5]);
    assert.deepEqual(newest, [4, 5]);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a close keeps its duration and counters, and counts stay per connection (a close is no second connection)', async () => {
  const s = tempStore();
  try {
    const start = egressEvent();
    const end = { durationNs: 2_500_000_123, bytesOut: 100_000, bytesIn: 3_000, packetsOut: 8, packetsIn: 6 };
    const closed = egressEvent({ timeUs: start.timeUs + 2_500_000, action: 'connection_closed', end });
    const udpClosed = egressEvent({ timeUs: start.timeUs + 3_000_000, action: 'connection_closed', transport: 'udp', end: { durationNs: 9, packetsOut: 2 } });
    for (const ev of [start, closed, udpClosed]) s.sink.write(ev);
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    try {
      const read = [...searchConnections(db, {})].sort((a, b) => a.timeUs - b.timeUs);
      assert.deepEqual(
        read.map((ev) => [ev.action, ev.end]),
        [
          ['connection_attempted', undefined],
          ['connection_closed', end],
          ['connection_closed', { durationNs: 9, bytesOut: undefined, bytesIn: undefined, packetsOut: 2, packetsIn: undefined }],
        ],
      );
      assert.equal(read[1]!.process?.pid, start.process?.pid, 'the close belongs to the same process row');
      assert.equal(db.prepare('SELECT sum(count) FROM rollup').pluck().get(), 1, 'the rollup counts the connection once');
    } finally {
      db.close();
    }
  } finally {
    await s.remove();
  }
});
