// Every field the ECS format writes is a field of the ECS version the records declare
// (ecs.version), with a JSON type that version's type accepts, or lies under packettrail.* or
// labels.*. Checked on records of every kind, through every path an ECS record takes: the
// reference rendering, the line and byte encoders, and the formatter the file and
// Elasticsearch sinks use (its line is the Elasticsearch document, sent as it is).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Alert, RULE_NAMES } from '../../src/core/alert';
import { ByteWriter } from '../../src/core/byte-writer';
import type { ConnectionEvent, ProcessInfo } from '../../src/core/connection-event';
import { EcsLineEncoder } from '../../src/format/ecs';
import { EcsByteEncoder } from '../../src/format/ecs-bytes';
import { toEcs } from '../../src/format/ecs-reference';
import { createRecordFormatter } from '../../src/format/registry';
import { normaliseDocument } from '../../src/sinks/elasticsearch/bulk-body';
import { ecsFieldErrors, loadEcsFields } from '../helpers/ecs-fields';
import { egressEvent, env, ingressEvent } from '../helpers/events';
import { eventArb } from './event-arbitrary';

const VERSION = '8.11.0';
const fields = loadEcsFields(VERSION);

const curl = egressEvent().process!;
const PROCESSES: Readonly<Record<string, ProcessInfo | undefined>> = {
  'full process': curl,
  'no process': undefined,
  'pid and name only': { pid: 31, name: 'kworker' },
  'no parent, no user': { pid: 32, name: 'nc', executable: '/usr/bin/nc.openbsd', args: ['nc', '-l'] },
  'parent known by pid': { ...curl, parent: { pid: 1 } },
  container: { ...curl, containerId: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' },
  'uid without a name': { ...curl, userName: undefined },
  'deleted executable': { ...curl, executable: '/tmp/implant', executableDeleted: true },
};

const V6 = { family: 'ipv6', local: { ip: 'fd00::129', port: 50434 }, remote: { ip: '2001:db8::1', port: 443 } } as const;

/** Every action, outcomes, families, tiers and the optional members of a connection. */
function connectionKinds(): Record<string, ConnectionEvent> {
  const kinds: Record<string, ConnectionEvent> = {
    connect: egressEvent(),
    'connect v6': egressEvent(V6),
    'refused connect': egressEvent({ outcome: 'failure', errno: 111 }),
    'connect of unknown outcome': egressEvent({ outcome: 'unknown' }),
    accept: ingressEvent(),
    'accept v6': ingressEvent({ family: 'ipv6', local: { ip: 'fd00::129', port: 22 }, remote: { ip: '2001:db8::7', port: 51000 } }),
    'udp flow': egressEvent({ action: 'udp_flow', transport: 'udp', remote: { ip: '192.168.50.1', port: 53 }, tid: undefined }),
    'udp flow v6 in': ingressEvent({ action: 'udp_flow', transport: 'udp', ...V6 }),
    listen: ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 } }),
    'listen v6': ingressEvent({ action: 'listen', family: 'ipv6', local: { ip: '::', port: 22 }, remote: { ip: '::', port: 0 } }),
    close: egressEvent({ action: 'connection_closed', capture: 'tracefs' }),
    'close with counters': egressEvent({ action: 'connection_closed', end: { durationNs: 2_500_000_000, bytesOut: 1000, bytesIn: 52, packetsOut: 7, packetsIn: 9 } }),
    'accepted close with counters, reset': ingressEvent({ action: 'connection_closed', errno: 104, end: { durationNs: 1, bytesOut: 0, bytesIn: 5, packetsOut: 1, packetsIn: 2 } }),
    'udp close, packets only': egressEvent({ action: 'connection_closed', transport: 'udp', end: { durationNs: 60_000_000_000, packetsOut: 3 } }),
    'preexisting, poll tier': egressEvent({ preexisting: true, capture: 'poll', attribution: 'socket-owner', tid: undefined }),
  };
  for (const [name, process] of Object.entries(PROCESSES)) kinds[`connect, ${name}`] = egressEvent({ process });
  for (const rule of RULE_NAMES) kinds[`alert ${rule}`] = { ...egressEvent(), alert: alertOf(rule) };
  kinds['alert handoff of a process still running'] = { ...egressEvent(), alert: { ...alertOf('handoff'), previous: { process: { pid: 4100, name: 'dropper' } } } };
  return kinds;
}

function alertOf(rule: Alert['rule']): Alert {
  const alert: Alert = { rule, description: `the ${rule} rule`, reason: `${rule} seen`, severity: 47, riskScore: 47.5, id: `${rule}-1` };
  if (rule === 'handoff')
    return { ...alert, previous: { process: { pid: 4100, name: 'dropper', executable: '/tmp/dropper', entityId: 'prev' }, endUs: Date.UTC(2026, 10, 26) * 1000 + 5 } };
  if (rule === 'beacon') return { ...alert, beacon: { periodS: 60, score: 0.93, count: 12 } };
  return alert;
}

/** The record of ev through each ECS path, as parsed JSON. */
function renderings(ev: ConnectionEvent): Record<string, unknown> {
  const bytes = new ByteWriter(256);
  new EcsByteEncoder(env).encode(ev, bytes);
  const formatter = createRecordFormatter('ecs', env);
  const es = normaliseDocument(formatter.line(ev));
  assert.ok('doc' in es, 'the Elasticsearch sink accepts the document');
  return {
    // As written: JSON drops the members the object holds as undefined.
    toEcs: JSON.parse(JSON.stringify(toEcs(ev, env))),
    EcsLineEncoder: JSON.parse(new EcsLineEncoder(env).line(ev)),
    EcsByteEncoder: JSON.parse(bytes.view().toString('utf8')),
    'elasticsearch document': JSON.parse(es.doc),
  };
}

describe(`ECS field names and types against ECS ${VERSION}`, () => {
  for (const [kind, ev] of Object.entries(connectionKinds())) {
    it(`${kind}: every field is ECS ${VERSION} or packettrail.*`, () => {
      for (const [path, doc] of Object.entries(renderings(ev))) {
        assert.deepEqual(ecsFieldErrors(doc, fields), [], `${kind} via ${path}`);
        assert.equal((doc as { ecs: { version: string } }).ecs.version, VERSION, 'the version the fields were checked against');
      }
    });
  }

  it('any event (property): the reference rendering conforms', () => {
    fc.assert(
      fc.property(eventArb, (ev) => {
        assert.deepEqual(ecsFieldErrors(JSON.parse(JSON.stringify(toEcs(ev, env))), fields), []);
      }),
      { numRuns: 500 },
    );
  });

  it('the deleted flag is written only when set, under packettrail.process', () => {
    const doc = toEcs(egressEvent({ process: PROCESSES['deleted executable'] }), env) as { packettrail: { process?: unknown } };
    assert.deepEqual(doc.packettrail.process, { executable_deleted: true });
    assert.equal((toEcs(egressEvent(), env) as { packettrail: { process?: unknown } }).packettrail.process, undefined);
  });

  it('the check fails a field ECS lacks, a wrong JSON type, a lost array and a stray array', () => {
    const errors = ecsFieldErrors(
      { process: { exe: '/bin/sh', pid: '42' }, event: { category: 'network' }, host: { name: ['a'] }, packettrail: { anything: [1] }, labels: { team: 'x' } },
      fields,
    );
    assert.deepEqual(errors, [
      'process.exe: not a field of this ECS version',
      'process.pid: "42" is not a integer (ECS long)',
      'event.category: ECS normalises this field to an array',
      'host.name: an array, but ECS keeps one value here',
    ]);
  });
});
