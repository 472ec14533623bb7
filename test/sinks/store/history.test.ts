// What `hunt` and the detectors read back: connections and process ends interleaved in time
// order, and the pairs, listeners and alert ids already known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreReadOnly, readActivity, readKnown } from '../../../src/sinks/store';
import { egressEvent, ingressEvent, T_US } from '../../helpers/events';
import { tempStore } from './store-fixtures';

test('readActivity interleaves process ends with connections in time order', async () => {
  const s = tempStore();
  try {
    const a = egressEvent().process!;
    const b = { ...a, pid: 5000, entityId: 'ent-5000' };
    s.sink.write(egressEvent({ timeUs: T_US + 10 }));
    s.sink.write(egressEvent({ timeUs: T_US + 20, process: b }));
    s.sink.write(egressEvent({ timeUs: T_US + 30, process: b }));
    s.sink.processEnded!({ pid: a.pid, entityId: a.entityId!, timeUs: T_US + 15 });
    s.sink.processEnded!({ pid: b.pid, entityId: b.entityId, timeUs: T_US + 30 });
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    const items = [...readActivity(db, { sinceUs: T_US })].map((i) =>
      i.kind === 'connection' ? `c${i.ev.timeUs - T_US}:${i.ev.process?.pid}` : `e${i.end.timeUs - T_US}:${i.end.pid}`,
    );
    assert.deepEqual(items, ['c10:4242', 'e15:4242', 'c20:5000', 'c30:5000', 'e30:5000']);
    const window = [...readActivity(db, { sinceUs: T_US + 12, untilUs: T_US + 30 })].map((i) => i.kind);
    assert.deepEqual(window, ['process_end', 'connection']);
    // One object per stored process within a read: detectors may compare by identity.
    const conns = [...readActivity(db, { sinceUs: 0 })].flatMap((i) => (i.kind === 'connection' ? [i.ev] : []));
    assert.equal(conns[1]!.process, conns[2]!.process);
    db.close();
  } finally {
    await s.remove();
  }
});

test('a second processEnded for the same process keeps the first end time', async () => {
  const s = tempStore();
  try {
    const p = egressEvent().process!;
    s.sink.write(egressEvent());
    s.sink.processEnded!({ pid: p.pid, entityId: p.entityId!, timeUs: T_US + 100 });
    s.sink.processEnded!({ pid: p.pid, entityId: p.entityId!, timeUs: T_US + 200 });
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    assert.equal(db.prepare('SELECT end_us FROM process').pluck().get(), T_US + 100);
    db.close();
  } finally {
    await s.remove();
  }
});

test('readKnown gives the pairs, listeners and earliest time the store holds', async () => {
  const s = tempStore();
  try {
    s.sink.write(egressEvent({ timeUs: T_US }));
    s.sink.write(egressEvent({ timeUs: T_US + 5 }));
    s.sink.write(ingressEvent({ timeUs: T_US + 7 }));
    s.sink.write(ingressEvent({ timeUs: T_US + 8, action: 'listen', remote: { ip: '0.0.0.0', port: 0 } }));
    await s.sink.flush();
    const db = openStoreReadOnly(s.path);
    const known = readKnown(db, { sinceUs: T_US - 1000 });
    assert.equal(known.earliestUs, T_US);
    const pairs = [...known.pairs].sort((x, y) => x.remoteIp.localeCompare(y.remoteIp));
    assert.deepEqual(pairs, [
      { exe: '/usr/sbin/sshd', remoteIp: '0.0.0.0', remotePort: 0, direction: 'ingress' },
      { exe: '/usr/sbin/sshd', remoteIp: '10.0.0.7', remotePort: 0, direction: 'ingress' },
      { exe: '/usr/bin/curl', remoteIp: '93.184.216.34', remotePort: 443, direction: 'egress' },
    ]);
    assert.deepEqual([...known.listeners], [{ exe: '/usr/sbin/sshd', port: 22 }]);
    // Iterables run afresh each time.
    assert.equal([...known.pairs].length, 3);
    assert.deepEqual([...readKnown(db, { sinceUs: T_US + 10 * 86_400_000_000 }).pairs], []);
    db.close();
  } finally {
    await s.remove();
  }
});
