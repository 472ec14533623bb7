// EcsLineEncoder writes JSON by hand for speed: it must be exactly the reference rendering, JSON.stringify(toEcs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ecsLine, EcsLineEncoder } from '../../src/format/ecs';
import { toEcs } from '../../src/format/ecs-reference';
import { env, egressEvent } from '../helpers/events';
import { eventArb } from './event-arbitrary';

test('EcsLineEncoder gives the JSON of the reference toEcs for any event, hostile strings included', () => {
  const encoder = new EcsLineEncoder(env);
  fc.assert(
    fc.property(eventArb, (ev) => {
      const line = encoder.line(ev);
      assert.ok(!line.includes('\n'));
      assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(toEcs(ev, env))));
    }),
    { numRuns: 2000 },
  );
});

test('ecsLine of a sample event parses and keeps its fields', () => {
  const doc = JSON.parse(ecsLine(egressEvent(), env));
  assert.equal(doc.process.executable, '/usr/bin/curl');
  assert.equal(doc.host.name, 'myhost');
  assert.match(doc.network.community_id, /^1:/);
});

test('EcsLineEncoder is byte for byte the reference JSON.stringify(toEcs), with flows, processes and times repeating', () => {
  const encoder = new EcsLineEncoder(env);
  // Few addresses, ports and processes, so that the Community ID, process and time caches hit
  // and miss; v4-mapped IPv6 for the unmapping.
  const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', '0.0.0.0', '::', '::1', '::ffff:10.0.0.1', '::ffff:a00:2', 'fd00::1');
  const endpoint = fc.record({ ip, port: fc.constantFrom(0, 22, 443, 50000, 65535) });
  const processes = fc.sample(
    eventArb.map((ev) => ev.process),
    20,
  );
  const ev = fc
    .tuple(eventArb, endpoint, endpoint, fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 3_000_000 }))
    .map(([e, local, remote, p, dt]) => ({ ...e, local, remote, process: processes[p], timeUs: 1_764_000_000_000_000 + dt }));
  fc.assert(
    fc.property(fc.oneof(eventArb, ev), (e) => {
      assert.equal(encoder.line(e), JSON.stringify(toEcs(e, env)));
    }),
    { numRuns: 5000 },
  );
});
