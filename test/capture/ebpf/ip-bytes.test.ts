import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ipFromBytes, ipv6 } from '../../../src/capture/ebpf/ip-bytes';
import { ringSize } from '../../../src/capture/ebpf/bpf-object';

describe('ipFromBytes', () => {
  it('formats IPv4 from the first four bytes', () => {
    const b = new Uint8Array(16);
    b.set([127, 0, 0, 1]);
    assert.deepEqual(ipFromBytes(b, 2), { ip: '127.0.0.1', family: 'ipv4' });
  });

  it('turns ::ffff:a.b.c.d into IPv4', () => {
    const b = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    assert.deepEqual(ipFromBytes(b, 10), { ip: '127.0.0.1', family: 'ipv4' });
  });

  it('writes RFC 5952 IPv6 text', () => {
    const cases: [number[], string][] = [
      [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], '::1'],
      [new Array(16).fill(0), '::'],
      [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], '2001:db8::1:0:0:1'],
      [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], '2001:db8:0:1:1:1:1:1'],
      [[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'fe80::'],
    ];
    for (const [bytes, text] of cases) assert.equal(ipv6(new Uint8Array(bytes)), text);
  });

  it('always produces text that parses back to the same 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const text = ipv6(b);
        assert.equal(net.isIPv6(text), true, text);
        const sock = new net.SocketAddress({ address: text, family: 'ipv6' });
        assert.equal(sock.address, text); // Node normalises to the same RFC 5952 text
      }),
    );
  });
});

describe('ringSize', () => {
  it('rounds up to a power of two of at least a page', () => {
    assert.equal(ringSize(1), 4096);
    assert.equal(ringSize(4096), 4096);
    assert.equal(ringSize(4097), 8192);
    assert.equal(ringSize(3 << 20), 4 << 20);
  });
});
