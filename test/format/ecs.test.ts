import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { communityId } from '../../src/format/community-id';
import { ecsLine } from '../../src/format/ecs';
import { toEcs } from '../../src/format/ecs-reference';
import { isoMicros } from '../../src/format/timestamp';
import { egressEvent, env, ingressEvent } from '../helpers/events';

/** Reads a dotted ECS path out of a nested document. */
function get(doc: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
}

// The ECS names every record carries (docs/record.md), each present on an egress event with a full process.
const NORMATIVE = [
  '@timestamp',
  'event.kind',
  'event.category',
  'event.type',
  'event.action',
  'event.outcome',
  'network.transport',
  'network.type',
  'network.direction',
  'network.community_id',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'process.pid',
  'process.name',
  'process.executable',
  'process.command_line',
  'process.args',
  'process.start',
  'process.entity_id',
  'process.parent.pid',
  'process.parent.name',
  'process.parent.executable',
  'user.id',
  'user.name',
  'host.name',
  'host.ip',
  'agent.name',
  'agent.version',
  'packettrail.capture',
  'packettrail.attribution',
  'packettrail.local.ip',
  'packettrail.local.port',
  'packettrail.remote.ip',
  'packettrail.remote.port',
];

test('egress: every normative field is present with the right value', () => {
  const doc = JSON.parse(ecsLine(egressEvent(), env)) as unknown;
  for (const f of NORMATIVE) assert.notEqual(get(doc, f), undefined, `missing ${f}`);
  assert.equal(get(doc, '@timestamp'), '2025-11-26T15:20:27.123456Z');
  assert.equal(get(doc, 'event.kind'), 'event');
  assert.deepEqual(get(doc, 'event.category'), ['network']);
  assert.deepEqual(get(doc, 'event.type'), ['start', 'connection']);
  assert.equal(get(doc, 'event.action'), 'connection_attempted');
  assert.equal(get(doc, 'event.outcome'), 'success');
  assert.equal(get(doc, 'network.transport'), 'tcp');
  assert.equal(get(doc, 'network.type'), 'ipv4');
  assert.equal(get(doc, 'network.direction'), 'egress');
  assert.equal(get(doc, 'network.iana_number'), '6');
  assert.equal(get(doc, 'source.ip'), '192.168.50.129');
  assert.equal(get(doc, 'source.port'), 50434);
  assert.equal(get(doc, 'destination.ip'), '93.184.216.34');
  assert.equal(get(doc, 'destination.port'), 443);
  assert.equal(get(doc, 'network.community_id'), communityId({ proto: 6, saddr: '192.168.50.129', daddr: '93.184.216.34', sport: 50434, dport: 443 }));
  assert.equal(get(doc, 'process.pid'), 4242);
  assert.equal(get(doc, 'process.name'), 'curl');
  assert.equal(get(doc, 'process.executable'), '/usr/bin/curl');
  assert.deepEqual(get(doc, 'process.args'), ['curl', '-s', 'https://example.com/']);
  assert.equal(get(doc, 'process.start'), '2025-11-26T15:20:26.000Z');
  assert.equal(get(doc, 'process.entity_id'), 'ent-4242-abc');
  assert.equal(get(doc, 'process.parent.pid'), 4000);
  assert.equal(get(doc, 'process.parent.executable'), '/usr/bin/bash');
  assert.equal(get(doc, 'user.id'), '1000');
  assert.equal(get(doc, 'user.name'), 'alice');
  assert.equal(get(doc, 'host.name'), 'myhost');
  assert.deepEqual(get(doc, 'host.ip'), ['192.168.50.129', 'fd00::129']);
  assert.equal(get(doc, 'agent.name'), 'packetTrail');
  assert.equal(get(doc, 'agent.version'), '0.1.0');
  assert.equal(get(doc, 'packettrail.capture'), 'ebpf');
  assert.equal(get(doc, 'packettrail.attribution'), 'syscall');
  assert.equal(get(doc, 'packettrail.local.port'), 50434);
  assert.equal(get(doc, 'packettrail.remote.ip'), '93.184.216.34');
});

test('ingress: source is the remote initiator, destination this host; packettrail.local stays local', () => {
  const doc = toEcs(ingressEvent(), env);
  assert.equal(get(doc, 'network.direction'), 'ingress');
  assert.equal(get(doc, 'event.action'), 'connection_accepted');
  assert.equal(get(doc, 'source.ip'), '10.0.0.7');
  assert.equal(get(doc, 'source.port'), 51000);
  assert.equal(get(doc, 'destination.ip'), '192.168.50.129');
  assert.equal(get(doc, 'destination.port'), 22);
  assert.equal(get(doc, 'packettrail.local.port'), 22);
  assert.equal(get(doc, 'packettrail.remote.ip'), '10.0.0.7');
  assert.equal(get(doc, 'user.id'), '0');
  assert.equal(get(doc, 'process.entity_id'), 'ent-700');
});

test('close, listen, udp and failure map to the right event.type and fields', () => {
  assert.deepEqual(get(toEcs(egressEvent({ action: 'connection_closed' }), env), 'event.type'), ['end', 'connection']);
  const listen = toEcs(ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 } }), env);
  assert.deepEqual(get(listen, 'event.type'), ['info']);
  assert.equal(get(listen, 'network.community_id'), undefined, 'a listening socket is no flow');
  assert.equal(get(listen, 'source'), undefined, 'a listening socket has no peer');
  assert.equal(get(listen, 'destination.port'), ingressEvent({}).local.port);
  const udp = toEcs(egressEvent({ action: 'udp_flow', transport: 'udp', family: 'ipv6', local: { ip: 'fd00::129', port: 5353 }, remote: { ip: 'fd00::1', port: 53 } }), env);
  assert.equal(get(udp, 'network.transport'), 'udp');
  assert.equal(get(udp, 'network.type'), 'ipv6');
  assert.equal(get(udp, 'network.iana_number'), '17');
  const failed = toEcs(egressEvent({ outcome: 'failure', errno: 111 }), env);
  assert.equal(get(failed, 'event.outcome'), 'failure');
  assert.equal(get(failed, 'packettrail.errno'), 111);
  const noProc = toEcs(egressEvent({ process: undefined, attribution: 'unknown' }), env);
  assert.equal(get(noProc, 'process'), undefined);
  assert.equal(get(noProc, 'user'), undefined);
  const inContainer = toEcs(egressEvent({ process: { ...egressEvent().process!, containerId: 'abc123' } }), env);
  assert.equal(get(inContainer, 'container.id'), 'abc123');
});

test('@timestamp keeps microseconds, padded', () => {
  assert.equal(isoMicros(Date.UTC(2026, 0, 2, 3, 4, 5, 6) * 1000 + 7), '2026-01-02T03:04:05.006007Z');
  assert.equal(isoMicros(Date.UTC(2026, 0, 2, 3, 4, 5, 0) * 1000), '2026-01-02T03:04:05.000000Z');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_102_444_800_000_000 }), (us) => {
      const s = isoMicros(us);
      assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      assert.equal(Number(s.slice(20, 26)), us % 1_000_000);
      assert.equal(Date.parse(s), Math.floor(us / 1000));
    }),
  );
});

test('property: an egress record and the same flow seen as ingress by the peer share community_id', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.ipV4(), fc.nat(65535), fc.nat(65535), fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'), (a, b, pa, pb, transport) => {
      const out: ConnectionEvent = egressEvent({ transport, local: { ip: a, port: pa }, remote: { ip: b, port: pb } });
      const seenByPeer: ConnectionEvent = ingressEvent({ transport, local: { ip: b, port: pb }, remote: { ip: a, port: pa } });
      const x = get(toEcs(out, env), 'network.community_id');
      assert.ok(typeof x === 'string' && x.startsWith('1:'));
      assert.equal(x, get(toEcs(seenByPeer, env), 'network.community_id'));
      assert.equal(get(toEcs(out, env), 'source.ip'), get(toEcs(seenByPeer, env), 'source.ip'));
    }),
  );
});

test('a real dual-stack accept (::ffff:127.0.0.1) hashes like the IPv4 client end of the same flow', async (t) => {
  const net = await import('node:net');
  const server = net.createServer();
  const sockets: import('node:net').Socket[] = [];
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '::', port: 0, ipv6Only: false }, () => resolve());
    });
  } catch (err) {
    return t.skip(`no dual-stack IPv6 socket here: ${(err as Error).message}`);
  }
  const accepted = new Promise<import('node:net').Socket>((resolve) => server.once('connection', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const client = net.connect({ host: '127.0.0.1', port });
  sockets.push(client);
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const srv = await accepted;
  sockets.push(srv);
  assert.match(srv.remoteAddress!, /^::ffff:127\.0\.0\.1$/, 'the server side sees a v4-mapped peer');
  const clientSide = egressEvent({ local: { ip: client.localAddress!, port: client.localPort! }, remote: { ip: client.remoteAddress!, port: client.remotePort! } });
  const serverSide = ingressEvent({ family: 'ipv6', local: { ip: srv.localAddress!, port: srv.localPort! }, remote: { ip: srv.remoteAddress!, port: srv.remotePort! } });
  const a = get(toEcs(clientSide, env), 'network.community_id');
  assert.equal(a, communityId({ proto: 6, saddr: '127.0.0.1', daddr: '127.0.0.1', sport: client.localPort!, dport: port }));
  assert.equal(get(toEcs(serverSide, env), 'network.community_id'), a);
});
