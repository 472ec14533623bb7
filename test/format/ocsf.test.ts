import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { toEcs } from '../../src/format/ecs-reference';
import { ocsfActivityId, ocsfLine, toOcsf } from '../../src/format/ocsf';
import { egressEvent, env, ingressEvent, loopbackDnsEvent, T_US } from '../helpers/events';

type Doc = Record<string, any>;
const ocsf = (ev: ConnectionEvent): Doc => JSON.parse(ocsfLine(ev, env)) as Doc;

test('class, category and type_uid follow activity_id for every action', () => {
  const cases: Array<[string, ConnectionEvent, number, string]> = [
    ['connect', egressEvent(), 1, 'Open'],
    ['accept', ingressEvent(), 1, 'Open'],
    ['udp flow', egressEvent({ action: 'udp_flow', transport: 'udp' }), 1, 'Open'],
    ['close', egressEvent({ action: 'connection_closed' }), 2, 'Close'],
    ['reset', egressEvent({ action: 'connection_closed', errno: 104 }), 3, 'Reset'],
    ['refused', egressEvent({ outcome: 'failure', errno: 111 }), 5, 'Refuse'],
    ['timed out', egressEvent({ outcome: 'failure', errno: 110 }), 4, 'Fail'],
    ['failed, errno unknown', egressEvent({ outcome: 'failure' }), 4, 'Fail'],
    ['listen', ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 } }), 7, 'Listen'],
  ];
  for (const [what, ev, activity, name] of cases) {
    const d = ocsf(ev);
    assert.equal(d.class_uid, 4001, what);
    assert.equal(d.category_uid, 4, what);
    assert.equal(d.activity_id, activity, what);
    assert.equal(d.activity_name, name, what);
    assert.equal(d.type_uid, 400100 + activity, what);
    assert.equal(d.type_name, `Network Activity: ${name}`, what);
    assert.equal(d.severity_id, 1, what);
    assert.equal(ocsfActivityId(ev), activity, what);
  }
});

test('egress: base fields, endpoints, connection_info, device, actor', () => {
  const ev = egressEvent();
  const d = ocsf(ev);
  assert.equal(d.time, Math.floor(T_US / 1000));
  assert.equal(d.start_time, d.time);
  assert.equal(d.status_id, 1);
  assert.equal(d.status, 'Success');
  assert.equal(d.metadata.product.name, 'packetTrail');
  assert.equal(d.metadata.product.version, '0.1.0');
  assert.equal(d.metadata.version, '1.8.0');
  assert.deepEqual(d.metadata.profiles, ['host']);
  assert.match(d.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(ocsf(ev).metadata.uid, d.metadata.uid, 'the same event keeps its uid');
  assert.notEqual(ocsf(egressEvent({ timeUs: T_US + 1 })).metadata.uid, d.metadata.uid);
  assert.deepEqual(d.src_endpoint, { ip: '192.168.50.129', port: 50434, hostname: 'myhost' });
  assert.deepEqual(d.dst_endpoint, { ip: '93.184.216.34', port: 443 });
  assert.equal(d.connection_info.protocol_num, 6);
  assert.equal(d.connection_info.protocol_name, 'tcp');
  assert.equal(d.connection_info.protocol_ver_id, 4);
  assert.equal(d.connection_info.direction_id, 2);
  assert.equal(d.connection_info.direction, 'Outbound');
  assert.equal(d.connection_info.boundary_id, undefined, 'not loopback');
  assert.equal(d.observation_point_id, 1);
  assert.equal(d.observation_point, 'Source');
  assert.equal(d.is_src_dst_assignment_known, true);
  assert.deepEqual(d.device, { hostname: 'myhost', ip: '192.168.50.129', uid: env.host.id, type_id: 0, type: 'Unknown' });
  const p = d.actor.process;
  assert.equal(p.pid, 4242);
  assert.equal(p.ptid, 4243);
  assert.equal(p.tid, undefined, 'tid is deprecated in favour of ptid');
  assert.equal(p.uid, 'ent-4242-abc');
  assert.equal(p.name, 'curl');
  assert.equal(p.cmd_line, 'curl -s https://example.com/');
  assert.equal(p.created_time, Date.UTC(2025, 10, 26, 15, 20, 26, 0));
  assert.deepEqual(p.file, { path: '/usr/bin/curl', name: 'curl', type_id: 1, type: 'Regular File' });
  assert.equal(p.parent_process.pid, 4000);
  assert.equal(p.parent_process.name, 'bash');
  assert.equal(p.parent_process.uid, 'ent-4000-def');
  assert.equal(p.parent_process.file.path, '/usr/bin/bash');
  assert.deepEqual(d.actor.user, { uid: '1000', name: 'alice' });
  assert.deepEqual(p.user, { uid: '1000', name: 'alice' });
  assert.equal(p.container, undefined);
  assert.equal(d.unmapped.packettrail.capture, 'ebpf');
  assert.equal(d.unmapped.packettrail.attribution, 'syscall');
});

test('ingress: src_endpoint is the remote initiator, dst_endpoint this host', () => {
  const d = ocsf(ingressEvent());
  assert.deepEqual(d.src_endpoint, { ip: '10.0.0.7', port: 51000 });
  assert.deepEqual(d.dst_endpoint, { ip: '192.168.50.129', port: 22, hostname: 'myhost' });
  assert.equal(d.connection_info.direction_id, 1);
  assert.equal(d.connection_info.direction, 'Inbound');
  assert.equal(d.observation_point_id, 2);
  assert.equal(d.observation_point, 'Destination');
  assert.deepEqual(d.unmapped.packettrail.local, { ip: '192.168.50.129', port: 22 });
});

test('listen has only the listening end; close has end_time; failures carry the errno', () => {
  const l = ocsf(ingressEvent({ action: 'listen', local: { ip: '0.0.0.0', port: 8080 }, remote: { ip: '0.0.0.0', port: 0 } }));
  assert.equal(l.src_endpoint, undefined);
  assert.equal(l.is_src_dst_assignment_known, undefined, 'a listen has no source to assign');
  assert.deepEqual(l.dst_endpoint, { ip: '0.0.0.0', port: 8080, hostname: 'myhost' });
  assert.equal(l.connection_info.community_uid, undefined);
  const c = ocsf(egressEvent({ action: 'connection_closed' }));
  assert.equal(c.end_time, c.time);
  assert.equal(c.start_time, undefined);
  const f = ocsf(egressEvent({ outcome: 'failure', errno: 111 }));
  assert.equal(f.status_id, 2);
  assert.equal(f.status, 'Failure');
  assert.equal(f.status_code, '111');
  assert.equal(f.status_detail, 'ECONNREFUSED');
  assert.equal(ocsf(egressEvent({ outcome: 'unknown' })).status_id, 0);
});

test('ipv6, udp, loopback (direction Local, observed at both ends), container profile and a missing process', () => {
  const d = ocsf(loopbackDnsEvent({ ...egressEvent().process!, containerId: 'c0ffee' }));
  assert.equal(d.connection_info.protocol_num, 17);
  assert.equal(d.connection_info.protocol_name, 'udp');
  assert.equal(d.connection_info.protocol_ver_id, 6);
  assert.equal(d.connection_info.boundary_id, 1);
  assert.equal(d.connection_info.direction_id, 4);
  assert.equal(d.connection_info.direction, 'Local');
  assert.equal(d.observation_point_id, 4);
  assert.equal(d.observation_point, 'Both');
  assert.deepEqual(d.metadata.profiles, ['host', 'container']);
  assert.deepEqual(d.actor.process.container, { uid: 'c0ffee' });
  assert.equal(d.container, undefined, 'the container profile puts the container on the process');
  const none = ocsf(egressEvent({ process: undefined, attribution: 'unknown' }));
  assert.equal(none.actor, undefined);
  assert.equal(none.unmapped.packettrail.attribution, 'unknown');
  assert.ok(none.src_endpoint && none.dst_endpoint, 'at least one endpoint is always there');
});

test('property: community_uid equals ECS network.community_id and endpoints match ECS source/destination', () => {
  const ev = fc.record({
    v6: fc.boolean(),
    a4: fc.ipV4(),
    b4: fc.ipV4(),
    a6: fc.ipV6(),
    b6: fc.ipV6(),
    pa: fc.nat(65535),
    pb: fc.nat(65535),
    transport: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
    egress: fc.boolean(),
    action: fc.constantFrom<ConnectionEvent['action']>('connection_attempted', 'connection_accepted', 'udp_flow', 'connection_closed'),
  });
  fc.assert(
    fc.property(ev, (g) => {
      const e: ConnectionEvent = egressEvent({
        action: g.action,
        transport: g.transport,
        family: g.v6 ? 'ipv6' : 'ipv4',
        direction: g.egress ? 'egress' : 'ingress',
        local: { ip: g.v6 ? g.a6 : g.a4, port: g.pa },
        remote: { ip: g.v6 ? g.b6 : g.b4, port: g.pb },
      });
      const o = toOcsf(e, env) as Doc;
      const x = toEcs(e, env) as Doc;
      assert.ok(typeof o.connection_info.community_uid === 'string');
      assert.equal(o.connection_info.community_uid, x.network.community_id);
      assert.equal(o.src_endpoint.ip, x.source.ip);
      assert.equal(o.src_endpoint.port, x.source.port);
      assert.equal(o.dst_endpoint.ip, x.destination.ip);
      assert.equal(o.dst_endpoint.port, x.destination.port);
      assert.equal(o.type_uid, 4001 * 100 + o.activity_id);
    }),
    { numRuns: 500 },
  );
});

test('a domain goes on the remote endpoint: dst_endpoint for egress, src_endpoint for ingress', () => {
  const out = ocsf(egressEvent({ domain: 'www.example.org' }));
  assert.equal(out.dst_endpoint.domain, 'www.example.org');
  assert.equal(out.src_endpoint.domain, undefined);
  assert.equal(out.unmapped.packettrail.domain_source, 'dns_answer');
  const inbound = ocsf(ingressEvent({ domain: 'peer.example.org' }));
  assert.deepEqual(inbound.src_endpoint, { ip: '10.0.0.7', port: 51000, domain: 'peer.example.org' });
  assert.equal(inbound.dst_endpoint.domain, undefined);
  assert.equal(ocsf(egressEvent()).unmapped.packettrail.domain_source, undefined);
});

test('a close with counters: traffic from the source (initiator) side, duration in ms, start_time before end_time', () => {
  const end = { durationNs: 2_500_400_000, bytesOut: 1000, bytesIn: 52, packetsOut: 7, packetsIn: 9 };
  const out = ocsf(egressEvent({ action: 'connection_closed', end }));
  assert.deepEqual(out.traffic, { bytes: 1052, bytes_in: 52, bytes_out: 1000, packets: 16, packets_in: 9, packets_out: 7 });
  assert.equal(out.duration, 2500);
  assert.equal(out.start_time, out.end_time - 2500);
  const inn = ocsf(ingressEvent({ action: 'connection_closed', end }));
  assert.deepEqual(inn.traffic, { bytes: 1052, bytes_in: 1000, bytes_out: 52, packets: 16, packets_in: 7, packets_out: 9 });
  assert.equal(ocsf(egressEvent({ action: 'connection_closed' })).traffic, undefined, 'no counters, no traffic');
});
