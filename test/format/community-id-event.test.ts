import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { ByteWriter } from '../../src/core/byte-writer';
import { CommunityIds, communityId, communityIdDigest, writeCommunityId } from '../../src/format/community-id';
import { egressEvent } from '../helpers/events';
import { eventArb } from './event-arbitrary';

// Two hashers, as two sinks have: the byte path writes from the digest the caller passes,
// the string path caches; neither may see the other's state.
const byteIds = new CommunityIds();
const stringIds = new CommunityIds();

function bytesId(ev: ConnectionEvent): string | undefined {
  const digest = communityIdDigest();
  if (!byteIds.hashEvent(ev, digest)) return undefined;
  const w = new ByteWriter(64);
  writeCommunityId(w, digest);
  return w.view().toString('latin1');
}

function eventCommunityId(ev: ConnectionEvent): string | undefined {
  return stringIds.ofEvent(ev);
}

test('the byte-written Community ID (hashEvent + writeCommunityId) is the one ofEvent gives, for any event', () => {
  fc.assert(
    fc.property(eventArb, (ev) => {
      assert.equal(bytesId(ev), eventCommunityId(ev));
    }),
    { numRuns: 3000 },
  );
});

test('a dual-stack socket (IPv4-mapped on both ends) hashes as the IPv4 flow; one mapped end does not', () => {
  const base = egressEvent({ family: 'ipv6', local: { ip: '::ffff:10.0.0.1', port: 40000 }, remote: { ip: '::ffff:192.0.2.9', port: 443 } });
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
  const ev = egressEvent({ action: 'listen', direction: 'ingress', local: { ip: '0.0.0.0', port: 80 }, remote: { ip: '0.0.0.0', port: 0 } });
  assert.equal(bytesId(ev), undefined);
  assert.equal(bytesId({ ...ev, action: 'connection_attempted', remote: { ip: 'not-an-ip', port: 1 } }), undefined);
  assert.equal(bytesId({ ...ev, action: 'connection_attempted', remote: { ip: '::1', port: 1 } }), undefined, 'mixed families');
});

test("a digest is the caller's: hashing a second flow does not change the first digest", () => {
  const ids = new CommunityIds();
  const a = egressEvent({ local: { ip: '10.0.0.1', port: 40000 }, remote: { ip: '192.0.2.9', port: 443 } });
  const b: ConnectionEvent = { ...a, remote: { ip: '192.0.2.10', port: 80 } };
  const da = communityIdDigest();
  const db = communityIdDigest();
  assert.ok(ids.hashEvent(a, da));
  const before = Array.from(da);
  assert.ok(ids.hashEvent(b, db));
  assert.deepEqual(Array.from(da), before);
  const w = new ByteWriter(64);
  writeCommunityId(w, da);
  assert.equal(w.view().toString('latin1'), communityId({ proto: 6, saddr: '10.0.0.1', daddr: '192.0.2.9', sport: 40000, dport: 443 }));
});
