// Which sinks get connection_closed records: the store by default, every other sink only when
// its `closes` is on; and the capture is asked for closes only when some sink takes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema';
import { anySinkWantsCloses, closesIf, withoutCloses } from '../../src/pipeline/closes-filter';
import { CollectingSink } from '../helpers/collecting-sink';
import { egressEvent } from '../helpers/events';

test('a sink without closes gets everything else, alerts on closes included, and counts the closes as skipped', () => {
  const inner = new CollectingSink();
  const sink = withoutCloses(inner);
  const close = egressEvent({ action: 'connection_closed', end: { durationNs: 1 } });
  const alertOnClose = { ...close, alert: { rule: 'beacon', description: 'd', reason: 'r', severity: 1, riskScore: 1, id: 'a' } } as const;
  for (const ev of [egressEvent(), close, close, alertOnClose]) sink.write(ev);
  assert.deepEqual(
    inner.records.map((r) => [r.action, r.alert?.id]),
    [
      ['connection_attempted', undefined],
      ['connection_closed', 'a'],
    ],
  );
  assert.deepEqual(sink.stats(), { written: 2, dropped: 0, errors: 0, skipped: 2 });
  sink.processEnded?.({ pid: 1, entityId: 'e', timeUs: 1 });
  assert.equal(inner.ends.length, 1, 'process ends pass through');
  assert.equal(sink.name, inner.name);
  const kept = new CollectingSink();
  assert.equal(closesIf(true, kept), kept, 'closes on: the sink itself');
});

test('defaults: the store takes closes, syslog, file, elasticsearch and console do not', () => {
  const parse = (raw: unknown) => configSchema.parse(raw);
  const storeOnly = parse({ store: { enabled: true, path: '/tmp/x.db' } });
  assert.equal(storeOnly.store.closes, true);
  assert.equal(anySinkWantsCloses(storeOnly), true);
  const others = parse({
    store: { enabled: false },
    console: { enabled: true },
    sinks: { syslog: [{ url: 'udp://127.0.0.1:514' }], file: [{ path: '/tmp/a.jsonl' }], elasticsearch: [{ url: 'http://127.0.0.1:9200' }] },
  });
  assert.deepEqual([others.console.closes, others.sinks.syslog[0]!.closes, others.sinks.file[0]!.closes, others.sinks.elasticsearch[0]!.closes], [false, false, false, false]);
  assert.equal(anySinkWantsCloses(others), false, 'no sink wants them: the kernel sends none');
  assert.equal(anySinkWantsCloses(parse({ store: { enabled: false }, sinks: { syslog: [{ url: 'udp://127.0.0.1:514', closes: true }] } })), true);
  assert.equal(anySinkWantsCloses(parse({ store: { enabled: true, path: '/tmp/x.db', closes: false } })), false);
  assert.equal(parse({}).store.closes, true, 'the section absent: closes on');
});
