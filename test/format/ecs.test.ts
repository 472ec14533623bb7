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

// The ECS names every record carries (docs/record.md), with their values in the record of
// `egressEvent()` (a full process).
const EGRESS_NORMATIVE: Readonly<Record<string, unknown>> = {
  '@timestamp': '2025-11-26T15:20:27.123456Z',
  'event.kind': 'event',
  'event.category': ['network'],
  'event.type': ['start', 'connection'],
  'event.action': 'connection_attempted',
  'event.outcome': 'success',
  'network.transport': 'tcp',
  'network.type': 'ipv4',
  'network.direction': 'egress',
  'network.community_id': communityId({ proto: 6, saddr: '192.168.50.129', daddr: '93.184.216.34', sport: 50434, dport: 443 }),
  'source.ip': '192.168.50.129',
  'source.port': 50434,
  'destination.ip': '93.184.216.34',
  'destination.port': 443,
  'process.pid': 4242,
  'process.name': 'curl',
  'process.executable': '/usr/bin/curl',
  'process.command_line': 'curl -s https://example.com/',
  'process.args': ['curl', '-s', 'https://example.com/'],
  'process.start': '2025-11-26T15:20:26.000Z',
  'process.entity_id': 'ent-4242-abc',
  'process.parent.pid': 4000,
  'process.parent.name': 'bash',
  'process.parent.executable': '/usr/bin/bash',
  'user.id': '1000',
  'user.name': 'alice',
  'host.name': 'myhost',
  'host.ip': ['192.168.50.129', 'fd00::129'],
  'agent.name': 'packetTrail',
  'agent.version': '0.1.0',
  'packettrail.capture': 'ebpf',
  'packettrail.attribution': 'syscall',
  'packettrail.local.ip': '192.168.50.129',
  'packettrail.local.port': 50434,
  'packettrail.remote.ip': '93.184.216.34',
  'packettrail.remote.port': 443,
};

test('egress: every normative field is present with the right value', () => {
  const doc = JSON.parse(ecsLine(egressEvent(), env)) as unknown;
  for (const [field, want] of Object.entries(EGRESS_NORMATIVE)) assert.deepEqual(get(doc, field), want, field);
  assert.equal(get(doc, 'network.iana_number'), '6');
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

test('a domain names the remote end: destination for egress, source for ingress, with dns.question.name and its source', () => {
  const out = toEcs(egressEvent({ domain: 'www.example.org' }), env);
  assert.equal(get(out, 'destination.domain'), 'www.example.org');
  assert.equal(get(out, 'source.domain'), undefined);
  assert.equal(get(out, 'dns.question.name'), 'www.example.org');
  assert.equal(get(out, 'packettrail.domain_source'), 'dns_answer');
  const inbound = toEcs(ingressEvent({ domain: 'peer.example.org' }), env);
  assert.equal(get(inbound, 'source.domain'), 'peer.example.org');
  assert.equal(get(inbound, 'destination.domain'), undefined);
  const none = toEcs(egressEvent(), env);
  assert.equal(get(none, 'dns'), undefined);
  assert.equal(get(none, 'packettrail.domain_source'), undefined);
});

test('a close carries its duration and bytes with source as the initiator, whichever end this host is', () => {
  const end = { durationNs: 2_500_000_123, bytesOut: 1000, bytesIn: 52, packetsOut: 7, packetsIn: 9 };
  const out = toEcs(egressEvent({ action: 'connection_closed', end }), env) as Record<string, any>;
  assert.equal(out.event.duration, 2_500_000_123);
  assert.deepEqual([out.source.bytes, out.source.packets, out.destination.bytes, out.destination.packets], [1000, 7, 52, 9]);
  assert.deepEqual([out.network.bytes, out.network.packets], [1052, 16]);
  // Accepted: this host is the destination, so what it sent is the destination's bytes.
  const inn = toEcs(ingressEvent({ action: 'connection_closed', end }), env) as Record<string, any>;
  assert.deepEqual([inn.source.bytes, inn.source.packets, inn.destination.bytes, inn.destination.packets], [52, 9, 1000, 7]);
  assert.deepEqual([inn.network.bytes, inn.network.packets], [1052, 16]);
  // A tier that knows only packets one way: no totals, no invented zeros.
  const udp = toEcs(egressEvent({ action: 'connection_closed', transport: 'udp', end: { durationNs: 5, packetsOut: 3 } }), env) as Record<string, any>;
  assert.deepEqual([udp.source.packets, udp.source.bytes, udp.destination.packets, udp.network.packets, udp.network.bytes], [3, undefined, undefined, undefined, undefined]);
  // The line encoder writes the same document.
  assert.deepEqual(JSON.parse(ecsLine(egressEvent({ action: 'connection_closed', end }), env)), JSON.parse(JSON.stringify(out)));
});
