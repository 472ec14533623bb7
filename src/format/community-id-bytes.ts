// network.community_id for the ECS byte encoder: the id eventCommunityId gives, hashed in JS
// (sha1.ts) and written into the record as bytes. No string, and no cache: a cached id only
// helps when both ends of a connection are on this host, and its lookups cost about as much
// as the hash does now.
import { ianaNumber, type ConnectionEvent } from '../core/connection-event';
import type { ByteWriter } from './byte-writer';
import { communityIdInput } from './community-id';
import { SHA1_BASE64_LENGTH, sha1OneBlock, writeDigestBase64 } from './sha1';

const digest = new Int32Array(5);

/** Hashes ev's flow for writeCommunityId; false when it has no id (listen, or an address that does not parse). */
export function hashCommunityId(ev: ConnectionEvent): boolean {
  if (ev.action === 'listen') return false;
  const egress = ev.direction === 'egress';
  const source = egress ? ev.local : ev.remote;
  const destination = egress ? ev.remote : ev.local;
  const input = communityIdInput(ianaNumber(ev.transport), source.ip, destination.ip, source.port, destination.port, 0, true);
  if (input === undefined) return false;
  sha1OneBlock(input, input.length, digest);
  return true;
}

/** Writes "1:" and the base64 of the last digest hashCommunityId made. */
export function writeCommunityId(w: ByteWriter): void {
  w.ensure(2 + SHA1_BASE64_LENGTH);
  const at = w.pos;
  w.buf[at] = 0x31; // 1
  w.buf[at + 1] = 0x3a; // :
  writeDigestBase64(digest, w.buf, at + 2);
  w.pos = at + 2 + SHA1_BASE64_LENGTH;
}
