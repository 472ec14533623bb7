import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../../src/core/alert';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { ByteWriter } from '../../src/core/byte-writer';
import { toEcs } from '../../src/format/ecs-reference';
import { createRecordFormatter } from '../../src/format/registry';
import { rfc3164Line } from '../../src/format/rfc3164';
import { rfc5424Line } from '../../src/format/rfc5424';
import { seedLine } from '../../src/format/seed';
import { toSigma } from '../../src/format/sigma';
import { toOcsf } from '../../src/format/ocsf';
import { parseStructuredData, splitRfc5424 } from '../helpers/rsyslog';
import { egressEvent, env } from '../helpers/events';

const handoff: Alert = {
  rule: 'handoff',
  description: 'an address first reached by a process that exited is reached by another',
  reason: 'curl reached 93.184.216.34:443 after "dropper" (pid 4100) exited',
  severity: 73,
  riskScore: 73,
  id: 'handoff-1',
  previous: {
    process: { pid: 4100, name: 'dropper', executable: '/tmp/dropper', entityId: 'prev-entity' },
    endUs: Date.UTC(2026, 10, 26, 15, 20, 0) * 1000 + 5,
  },
};
const beacon: Alert = {
  rule: 'beacon',
  description: 'regular connections to one address',
  reason: 'curl connects every 60 s',
  severity: 47,
  riskScore: 47,
  id: 'beacon-1',
  beacon: { periodS: 60, score: 0.93, count: 12 },
};

const alertOf = (alert: Alert): ConnectionEvent => ({ ...egressEvent(), alert });

test('ecs: an alert has kind alert, the rule, reason, severity and the earlier process', () => {
  const doc = toEcs(alertOf(handoff), env) as any;
  assert.equal(doc.event.kind, 'alert');
  assert.deepEqual(doc.event.category, ['network', 'intrusion_detection']);
  assert.deepEqual(doc.event.type, ['info']);
  assert.equal(doc.event.reason, handoff.reason);
  assert.equal(doc.event.severity, 73);
  assert.equal(doc.event.risk_score, 73);
  assert.deepEqual(doc.rule, { name: 'handoff', description: handoff.description });
  assert.deepEqual(doc.packettrail.previous.process, {
    pid: 4100,
    name: 'dropper',
    executable: '/tmp/dropper',
    entity_id: 'prev-entity',
    end: '2026-11-26T15:20:00.000005Z',
  });
  assert.equal(doc.destination.ip, egressEvent().remote.ip, 'the address the finding is about');
  const b = toEcs(alertOf(beacon), env) as any;
  assert.deepEqual(b.packettrail.beacon, { period: 60, score: 0.93, count: 12 });
  assert.equal(b.packettrail.previous, undefined);
});

test('ecs: the line and byte paths route an alert to the reference rendering; ordinary records stay events', () => {
  const f = createRecordFormatter('ecs', env);
  const ev = alertOf(handoff);
  const want = JSON.stringify(toEcs(ev, env));
  assert.equal(f.line(ev), want);
  const w = new ByteWriter(256);
  f.encode!(egressEvent(), w);
  f.encode!(ev, w);
  f.encode!(egressEvent(), w);
  const text = w.view().toString('utf8');
  const plain = f.line(egressEvent());
  assert.equal(text, plain + want + plain);
  assert.equal(JSON.parse(plain).event.kind, 'event');
});

test('ocsf: an alert is a Detection Finding (2004) with the rule as its analytic and the connection as evidence', () => {
  const doc = toOcsf(alertOf(handoff), env) as any;
  assert.equal(doc.class_uid, 2004);
  assert.equal(doc.category_uid, 2);
  assert.equal(doc.type_uid, 200401);
  assert.equal(doc.finding_info.uid, 'handoff-1');
  assert.equal(doc.finding_info.title, handoff.description);
  assert.equal(doc.finding_info.analytic.name, 'handoff');
  assert.equal(doc.message, handoff.reason);
  assert.equal(doc.severity_id, 4);
  assert.equal(doc.risk_score, 73);
  assert.equal(doc.evidences[0].dst_endpoint.ip, egressEvent().remote.ip);
  assert.equal(doc.evidences[0].process.pid, egressEvent().process!.pid);
  assert.equal(doc.unmapped.packettrail.previous.process.pid, 4100);
  assert.equal(doc.metadata.version, '1.8.0');
  assert.equal((toOcsf(alertOf(beacon), env) as any).unmapped.packettrail.beacon.period, 60);
  assert.equal((toOcsf(egressEvent(), env) as any).class_uid, 4001, 'an ordinary record stays Network Activity');
});

test('sigma: RuleName is the rule, and the reason travels with it', () => {
  const rec = toSigma(alertOf(handoff), env);
  assert.equal(rec.RuleName, 'handoff');
  assert.equal(rec['packettrail.alert.reason'], handoff.reason);
  assert.equal(rec['packettrail.alert.prevPid'], 4100);
  assert.equal(toSigma(egressEvent(), env).RuleName, '-');
});

test('seed and rfc3164: rule= and reason= pairs, the reason quoted', () => {
  for (const line of [seedLine(alertOf(handoff), env), rfc3164Line(alertOf(handoff), { ...env, maxBytes: 4096 })]) {
    assert.match(line, / rule=handoff /);
    assert.ok(line.includes(` reason="curl reached 93.184.216.34:443 after \\"dropper\\" (pid 4100) exited"`), line);
    assert.match(line, / severity=73 /);
    assert.match(line, / prevPid=4100 /);
  }
  assert.match(seedLine(alertOf(beacon), env), / beaconPeriod=60 /);
  assert.doesNotMatch(seedLine(egressEvent(), env), /rule=/);
});

test('rfc5424: an alert@32473 element with rule and reason, MSGID alert, severity warning', () => {
  const line = rfc5424Line(alertOf(handoff), { ...env, sequenceId: 1, maxBytes: 8192 });
  const parts = splitRfc5424(line);
  assert.ok(!(parts instanceof Error), line);
  const sd = parseStructuredData(parts.sd);
  assert.ok(!(sd instanceof Error), line);
  const alert = sd.get('alert@32473');
  assert.ok(alert, line);
  assert.deepEqual(alert.get('rule'), ['handoff']);
  assert.deepEqual(alert.get('reason'), [handoff.reason]);
  assert.deepEqual(alert.get('prevName'), ['dropper']);
  assert.equal(parts.msgid, 'alert');
  assert.equal(parts.pri, 8 + 4);
  assert.ok(parts.msg.startsWith('handoff: '), parts.msg);
});
