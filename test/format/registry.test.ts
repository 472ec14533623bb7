import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordFormatter, isRecordFormat, RECORD_FORMATS, type RecordFormat } from '../../src/format/registry';
import { ecsLine } from '../../src/format/ecs';
import { ocsfLine } from '../../src/format/ocsf';
import { seedLine } from '../../src/format/seed';
import { sigmaLine } from '../../src/format/sigma';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { FormatEnv } from '../../src/format/env';
import { egressEvent, env } from '../helpers/events';

test('isRecordFormat accepts exactly the four names', () => {
  for (const f of ['ecs', 'ocsf', 'sigma', 'seed']) assert.equal(isRecordFormat(f), true, f);
  for (const f of ['ECS', 'json', 'rfc5424', '', undefined, 3, 'toString', '__proto__']) assert.equal(isRecordFormat(f), false, String(f));
  assert.deepEqual([...RECORD_FORMATS], ['ecs', 'ocsf', 'sigma', 'seed']);
});

test("createRecordFormatter gives each format's formatter, one line per record", () => {
  const formatRecord = (f: RecordFormat, ev: ConnectionEvent, e: FormatEnv) => createRecordFormatter(f, e).line(ev);
  const ev = egressEvent({ process: { ...egressEvent().process!, name: 'two\nlines', commandLine: 'a\nb' } });
  const want = { ecs: ecsLine(ev, env), ocsf: ocsfLine(ev, env), sigma: sigmaLine(ev, env), seed: seedLine(ev, env) };
  for (const f of RECORD_FORMATS) {
    const line = formatRecord(f, ev, env);
    assert.equal(line, want[f], f);
    assert.doesNotMatch(line, /\n/, `${f} is one line`);
  }
  assert.equal(JSON.parse(formatRecord('ocsf', ev, env)).class_uid, 4001);
  assert.equal(JSON.parse(formatRecord('sigma', ev, env)).EventID, 3);
  assert.equal(JSON.parse(formatRecord('ecs', ev, env)).agent.name, 'packetTrail');
  assert.ok(formatRecord('seed', ev, env).startsWith('<12>'));
});

test('createRecordFormatter gives every sink a formatter of its own; ecs has the byte path too', () => {
  const a = createRecordFormatter('ecs', env);
  const b = createRecordFormatter('ecs', env);
  assert.notEqual(a, b);
  assert.notEqual(a.line, b.line);
  assert.ok(a.encode);
  for (const f of ['ocsf', 'sigma', 'seed'] as const) assert.equal(createRecordFormatter(f, env).encode, undefined, f);
});
