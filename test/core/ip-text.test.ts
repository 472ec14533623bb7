import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv6Groups, ipv6Text, v4MappedFromText, v4MappedPeerText, v4MappedText } from '../../src/core/ip-text';

test('a v4-mapped address reads as IPv4 from groups and from text alike', () => {
  const bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 254];
  const groups = ipv6Groups(bytes);
  assert.equal(v4MappedText(groups), '10.1.2.254');
  assert.equal(ipv6Text(groups), '::ffff:a01:2fe');
  assert.equal(v4MappedFromText('::ffff:10.1.2.254'), '10.1.2.254');
  assert.equal(v4MappedFromText('::FFFF:127.0.0.1'), '127.0.0.1');
});

test('other IPv6 addresses are not taken for IPv4', () => {
  assert.equal(v4MappedText(ipv6Groups([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3])), undefined);
  assert.equal(v4MappedText(ipv6Groups([0x20, 0x01, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4])), undefined);
  assert.equal(v4MappedFromText('::ffff:a01:2fe'), undefined);
  assert.equal(v4MappedFromText('2001:db8::ffff:1.2.3.4'), undefined);
  assert.equal(v4MappedFromText('::1'), undefined);
});

test('the peer of a v4-mapped socket: IPv4, 0.0.0.0 for ::, undefined for real IPv6', () => {
  assert.equal(v4MappedPeerText(ipv6Groups([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1])), '127.0.0.1');
  assert.equal(v4MappedPeerText(new Array<number>(8).fill(0)), '0.0.0.0');
  assert.equal(v4MappedPeerText([0, 0, 0, 0, 0, 0, 0, 1]), undefined);
});
