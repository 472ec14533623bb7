import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDumpRequest, openNetlinkSocketTable, SockDiagDecoder } from '../../../src/capture/snapshot/netlink';
import { readSocketTableProcNet } from '../../../src/capture/snapshot/procnet';
import { ipv6Text } from '../../../src/core/ip-text';
import type { SocketRow } from '../../../src/capture/snapshot/socket-row';
import { onlyItem } from '../../helpers/items';

/** A real dump chunk: one inet_diag_msg for 127.0.0.1:8080 ← 127.0.0.1:40000, then DONE. */
function chunk(): Buffer {
  const msg = Buffer.alloc(16 + 72);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(20, 4); // SOCK_DIAG_BY_FAMILY
  msg[16] = 2; // AF_INET
  msg[17] = 1; // ESTABLISHED
  msg.writeUInt16BE(8080, 20);
  msg.writeUInt16BE(40000, 22);
  Buffer.from([127, 0, 0, 1]).copy(msg, 24);
  Buffer.from([127, 0, 0, 2]).copy(msg, 40);
  msg.writeUInt32LE(1000, 16 + 64);
  msg.writeUInt32LE(424242, 16 + 68);
  const done = Buffer.alloc(20);
  done.writeUInt32LE(20, 0);
  done.writeUInt16LE(3, 4);
  return Buffer.concat([msg, done]);
}

test('request layout: nlmsghdr + inet_diag_req_v2 for all states', () => {
  const r = buildDumpRequest(10, 17, 7);
  assert.equal(r.length, 72);
  assert.equal(r.readUInt32LE(0), 72);
  assert.equal(r.readUInt16LE(4), 20);
  assert.equal(r.readUInt16LE(6), 0x301);
  assert.equal(r.readUInt32LE(8), 7);
  assert.deepEqual([r[16], r[17]], [10, 17]);
  assert.equal(r.readUInt32LE(20), 0xffffffff);
});

test('decodes a message and stops at DONE', () => {
  const out: SocketRow[] = [];
  const b = chunk();
  assert.deepEqual(new SockDiagDecoder().decodeChunk(b, b.length, 'tcp', out), { done: true });
  assert.deepEqual(out, [
    { transport: 'tcp', family: 'ipv4', state: 'ESTABLISHED', local: { ip: '127.0.0.1', port: 8080 }, remote: { ip: '127.0.0.2', port: 40000 }, inode: 424242, uid: 1000 },
  ]);
});

test('truncated, oversized and error chunks return an error value, never throw', () => {
  const b = chunk();
  for (let len = 1; len < 88; len++) {
    const out: SocketRow[] = [];
    const r = new SockDiagDecoder().decodeChunk(b, len, 'tcp', out);
    assert.equal(r.done, false);
    assert.equal(out.length, 0);
    if (len >= 16) assert.ok(r.error, `len ${len} should be an error`);
  }
  assert.ok(new SockDiagDecoder().decodeChunk(b, b.length + 1, 'tcp', []).error);
  const bad = Buffer.from(b);
  bad.writeUInt32LE(8, 0); // nlmsg_len below the header size
  assert.ok(new SockDiagDecoder().decodeChunk(bad, bad.length, 'tcp', []).error);
  const short = Buffer.from(b);
  short.writeUInt32LE(40, 0); // a diag message too short for inet_diag_msg
  assert.match(new SockDiagDecoder().decodeChunk(short, short.length, 'tcp', []).error ?? '', /short/);
  const err = Buffer.alloc(36);
  err.writeUInt32LE(36, 0);
  err.writeUInt16LE(2, 4);
  err.writeInt32LE(-13, 16);
  assert.match(new SockDiagDecoder().decodeChunk(err, err.length, 'tcp', []).error ?? '', /errno=13/);
});

test('UDP states are named as ss names them', () => {
  const out: SocketRow[] = [];
  const b = chunk();
  b[17] = 7; // TCP_CLOSE: an unconnected UDP socket
  new SockDiagDecoder().decodeChunk(b, b.length, 'udp', out);
  assert.equal(onlyItem(out).state, 'UNCONN');
});

test('IPv6 text follows RFC 5952', () => {
  assert.equal(ipv6Text([0, 0, 0, 0, 0, 0, 0, 1]), '::1');
  assert.equal(ipv6Text([0, 0, 0, 0, 0, 0, 0, 0]), '::');
  assert.equal(ipv6Text([0xfe80, 0, 0, 0, 0x1, 0, 0, 0x2]), 'fe80::1:0:0:2');
  assert.equal(ipv6Text([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]), '2001:db8:0:1::1');
  assert.equal(ipv6Text([0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]), '2001:db8:1:2:3:4:5:6');
});

test('netlink and /proc/net agree on this host right now', () => {
  const nl = openNetlinkSocketTable()?.read();
  assert.ok(nl, 'netlink sock_diag works here');
  const pn = readSocketTableProcNet();
  // Sockets come and go between the two reads (other tests run in parallel): compare the
  // sockets that both saw by inode, which must agree field for field.
  const byInode = new Map(pn.filter((r) => r.inode).map((r) => [r.inode, r]));
  let compared = 0;
  for (const r of nl) {
    const p = r.inode ? byInode.get(r.inode) : undefined;
    if (!p) continue;
    assert.deepEqual(r, p);
    compared++;
  }
  assert.ok(compared > 0);
});
