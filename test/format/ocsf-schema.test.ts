// Every kind of ocsf record validates against the schema files of the version it declares,
// so a field that drifts from the schema (a missing required attribute, one the version
// does not define, a wrong caption) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Alert, RULE_NAMES, type RuleName } from '../../src/core/alert';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { OCSF_VERSION, toOcsf } from '../../src/format/ocsf';
import { egressEvent, env, ingressEvent, loopbackDnsEvent } from '../helpers/events';
import { ocsfSchema } from '../helpers/ocsf-validator';
import { eventArb } from './event-arbitrary';

const schema = ocsfSchema(OCSF_VERSION);
const curl = egressEvent().process!;

const records: ReadonlyArray<readonly [string, ConnectionEvent]> = [
  ['egress connect', egressEvent()],
  ['egress connect refused', egressEvent({ outcome: 'failure', errno: 111 })],
  ['egress connect timed out', egressEvent({ outcome: 'failure', errno: 110 })],
  ['egress connect failed, errno unknown', egressEvent({ outcome: 'failure' })],
  ['egress connect, outcome unknown', egressEvent({ outcome: 'unknown' })],
  ['accepted ingress', ingressEvent()],
  ['listen', ingressEvent({ action: 'listen', local: { ip: '0.0.0.0', port: 8080 }, remote: { ip: '0.0.0.0', port: 0 } })],
  ['udp flow', egressEvent({ action: 'udp_flow', transport: 'udp', local: { ip: '192.168.50.129', port: 40000 }, remote: { ip: '9.9.9.9', port: 53 } })],
  ['close', egressEvent({ action: 'connection_closed' })],
  ['reset', egressEvent({ action: 'connection_closed', errno: 104 })],
  ['close with traffic and duration', egressEvent({ action: 'connection_closed', end: { durationNs: 2_500_000_000, bytesOut: 1000, bytesIn: 52, packetsOut: 7, packetsIn: 9 } })],
  ['accepted close with traffic', ingressEvent({ action: 'connection_closed', end: { durationNs: 1_000, bytesOut: 3, bytesIn: 5, packetsOut: 1, packetsIn: 2 } })],
  ['udp close, packets one way', egressEvent({ action: 'connection_closed', transport: 'udp', end: { durationNs: 60_000_000_000, packetsOut: 3 } })],
  ['ipv6 egress', egressEvent({ family: 'ipv6', local: { ip: 'fd00::129', port: 50000 }, remote: { ip: '2001:db8::1', port: 443 } })],
  ['ipv6 loopback udp in a container', loopbackDnsEvent({ ...curl, containerId: 'c0ffee' })],
  ['ipv4 loopback', egressEvent({ local: { ip: '127.0.0.1', port: 40000 }, remote: { ip: '127.0.0.1', port: 8080 } })],
  ['no process', egressEvent({ process: undefined, attribution: 'unknown' })],
  ['process with only pid and name', egressEvent({ process: { pid: 7, name: 'x' }, tid: undefined })],
  ['egress to a resolved name', egressEvent({ domain: 'www.example.org' })],
  ['accepted from a resolved name', ingressEvent({ domain: 'peer.example.org' })],
  ['preexisting, tracefs', ingressEvent({ preexisting: true, capture: 'tracefs', attribution: 'socket-owner' })],
  ['an unlinked executable', egressEvent({ process: { ...curl, executable: '/tmp/implant', executableDeleted: true } })],
];

function alertOf(rule: RuleName): Alert {
  const base = { rule, description: `${rule} description`, reason: `${rule} reason`, severity: 47, riskScore: 47, id: `${rule}-1` };
  switch (rule) {
    case 'handoff':
      return { ...base, severity: 73, riskScore: 73, previous: { process: { pid: 4100, name: 'dropper', executable: '/tmp/dropper', entityId: 'prev' }, endUs: 5 } };
    case 'beacon':
      return { ...base, beacon: { periodS: 60, score: 0.93, count: 12 } };
    case 'new_listener':
    case 'first_seen':
      return { ...base, severity: rule === 'first_seen' ? 21 : 95, riskScore: 21 };
  }
}

const alerts: ReadonlyArray<readonly [string, ConnectionEvent]> = RULE_NAMES.flatMap((rule) => [
  [`alert ${rule}`, { ...(rule === 'new_listener' ? records[6]![1] : egressEvent()), alert: alertOf(rule) }] as const,
  [`alert ${rule} in a container`, { ...loopbackDnsEvent({ ...curl, containerId: 'c0ffee' }), alert: alertOf(rule) }] as const,
  [`alert ${rule} without a process`, { ...egressEvent({ process: undefined }), alert: alertOf(rule) }] as const,
]);

test(`the records declare OCSF ${schema.schemaVersion}`, () => {
  assert.equal(OCSF_VERSION, schema.schemaVersion);
  assert.equal((toOcsf(egressEvent(), env).metadata as { version: string }).version, schema.schemaVersion);
});

test('every kind of Network Activity record validates with no errors', () => {
  for (const [what, ev] of records) {
    const doc = toOcsf(ev, env);
    assert.equal(doc.class_uid, 4001, what);
    assert.deepEqual(schema.validate(doc), [], what);
  }
});

test('a Detection Finding of every rule validates with no errors', () => {
  for (const [what, ev] of alerts) {
    const doc = toOcsf(ev, env);
    assert.equal(doc.class_uid, 2004, what);
    assert.deepEqual(schema.validate(doc), [], what);
  }
});

test('the container sits on the process, as the container profile puts it, and the profile is declared', () => {
  const doc = toOcsf(loopbackDnsEvent({ ...curl, containerId: 'c0ffee' }), env) as Record<string, any>;
  assert.equal(doc.container, undefined);
  assert.deepEqual(doc.actor.process.container, { uid: 'c0ffee' });
  assert.deepEqual(doc.metadata.profiles, ['host', 'container']);
  const finding = toOcsf({ ...loopbackDnsEvent({ ...curl, containerId: 'c0ffee' }), alert: alertOf('beacon') }, env) as Record<string, any>;
  assert.deepEqual(finding.evidences[0].process.container, { uid: 'c0ffee' });
});

test('property: any event, hostile strings included, renders a record that validates', () => {
  fc.assert(
    fc.property(eventArb.map(canonicalAddresses), fc.option(fc.constantFrom(...RULE_NAMES), { nil: undefined }), (ev, rule) => {
      const doc = toOcsf(rule ? { ...ev, alert: alertOf(rule) } : ev, env);
      assert.deepEqual(schema.validate(doc), []);
    }),
    { numRuns: 500 },
  );
});

/**
 * Addresses as the capture tiers write them: canonical text (RFC 5952), never longer than
 * OCSF's ip_t allows. The arbitrary spells IPv6 every legal way, which no tier produces.
 */
function canonicalAddresses(ev: ConnectionEvent): ConnectionEvent {
  const canon = (e: { readonly ip: string; readonly port: number }) => ({ ...e, ip: e.ip.includes(':') ? new URL(`http://[${e.ip}]`).hostname.slice(1, -1) : e.ip });
  return { ...ev, local: canon(ev.local), remote: canon(ev.remote) };
}

test('an unlinked executable is file.is_deleted on the actor process, absent otherwise', () => {
  const deleted = toOcsf(egressEvent({ process: { ...curl, executable: '/tmp/implant', executableDeleted: true } }), env) as Record<string, any>;
  assert.equal(deleted.actor.process.file.is_deleted, true);
  assert.equal(deleted.actor.process.file.path, '/tmp/implant');
  assert.equal((toOcsf(egressEvent(), env) as Record<string, any>).actor.process.file.is_deleted, undefined);
});
