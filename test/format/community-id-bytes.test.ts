import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { ByteWriter } from '../../src/format/byte-writer';
import { communityId } from '../../src/format/community-id';
import { hashCommunityId, writeCommunityId } from '../../src/format/community-id-bytes';
import { eventCommunityId } from '../../src/format/ecs';
import { eventArb } from './event-arbitrary';

function bytesId(ev: ConnectionEvent): string | undefined {
  if (!hashCommunityId(ev)) return undefined;
  const w = new ByteWriter(64);
  writeCommunityId(w);
  return w.view().toString('latin1');
}

test('the byte-written Community ID is the one eventCommunityId gives, for any event', () => {
  fc.assert(
    fc.property(eventArb, (ev) => {
      assert.equal(bytesId(ev), eventCommunityId(ev));
    }),
    { numRuns: 3000 },
  );
});

test('a dual-stack socket (IPv4-mapped on both ends) hashes as the IPv4 flow; one mapped end does not', () => {
  const base: ConnectionEvent = {
    timeUs: 1, action: 'connection_attempted', outcome: 'success', transport: 'tcp', family: 'ipv6', direction: 'egress',
    local: { ip: '::ffff:10.0.0.1', port: 40000 }, remote: { ip: '::ffff:192.0.2.9', port: 443 }, capture: 'ebpf', attribution: 'syscall',
  };
  const v4 = communityId({ proto: 6, saddr: '10.0.0.1', daddr: '192.0.2.9', sport: 40000, dport: 443 });
  assert.equal(bytesId(base), v4);
  assert.equal(eventCommunityId(base), v4);
  const accepted: ConnectionEvent = { ...base, action: 'connection_accepted', direction: 'ingress', local: base.remote, remote: base.local };
  assert.equal(bytesId(accepted), v4, 'both ends of one flow have one id');
  const oneMapped = { ...base, remote: { ip: '2001:db8::9', port: 443 } };
  const v6 = communityId({ proto: 6, saddr: '::ffff:10.0.0.1', daddr: '2001:db8::9', sport: 40000, dport: 443 });
  assert.equal(bytesId(oneMapped), v6);
  assert.equal(eventCommunityId(oneMapped), v6);
});

test('no Community ID for a listen record or an address that does not parse', () => {
  const ev: ConnectionEvent = {
    timeUs: 1, action: 'listen', outcome: 'success', transport: 'tcp', family: 'ipv4', direction: 'ingress',
    local: { ip: '0.0.0.0', port: 80 }, remote: { ip: '0.0.0.0', port: 0 }, capture: 'ebpf', attribution: 'syscall',
  };
  assert.equal(bytesId(ev), undefined);
  assert.equal(bytesId({ ...ev, action: 'connection_attempted', remote: { ip: 'not-an-ip', port: 1 } }), undefined);
  assert.equal(bytesId({ ...ev, action: 'connection_attempted', remote: { ip: '::1', port: 1 } }), undefined, 'mixed families');
});
