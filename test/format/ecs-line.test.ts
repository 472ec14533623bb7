// ecsLine writes JSON by hand for speed: it must be exactly the document toEcs describes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ecsLine, toEcs } from '../../src/format/ecs';
import { env, egressEvent } from './sample-events';
import { eventArb } from './event-arbitrary';

test('ecsLine is the JSON of toEcs for any event, hostile strings included', () => {
  fc.assert(
    fc.property(eventArb, (ev) => {
      const line = ecsLine(ev, env);
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
