// Wildcard UDP flows get the source address their datagram carried: filled at once when the
// datagram was seen, held for one release when it was not, bounded in what it remembers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UdpSourceAddresses } from '../../../src/capture/ebpf/udp-source-addresses';
import type { Building } from '../../../src/core/building';
import type { ConnectionEvent } from '../../../src/core/connection-event';

function flow(localIp: string, localPort: number, remoteIp: string, remotePort: number, direction: 'egress' | 'ingress' = 'egress'): Building<ConnectionEvent> {
  return {
    timeUs: 1,
    action: 'udp_flow',
    outcome: 'success',
    transport: 'udp',
    family: localIp.includes(':') ? 'ipv6' : 'ipv4',
    direction,
    local: { ip: localIp, port: localPort },
    remote: { ip: remoteIp, port: remotePort },
    capture: 'ebpf',
    attribution: 'syscall',
  };
}

const sighting = (sourceIp: string, sourcePort: number, destinationIp: string, destinationPort: number) => ({ sourceIp, sourcePort, destinationIp, destinationPort });

describe('UdpSourceAddresses', () => {
  it('fills a wildcard send whose datagram was seen, and passes it at once', () => {
    const s = new UdpSourceAddresses();
    s.learn(sighting('10.0.0.5', 40000, '192.0.2.1', 53));
    const out: ConnectionEvent[] = [];
    s.complete(flow('0.0.0.0', 40000, '192.0.2.1', 53), (ev) => out.push(ev));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.local.ip, '10.0.0.5');
    assert.deepEqual(s.stats(), { filled: 1, unknown: 0 });
  });

  it('holds a wildcard send until the next release, then fills it when the datagram came meanwhile', () => {
    const s = new UdpSourceAddresses();
    const out: ConnectionEvent[] = [];
    s.complete(flow('::', 40001, '2001:db8::1', 123), (ev) => out.push(ev));
    assert.equal(out.length, 0, 'held');
    s.learn(sighting('2001:db8::5', 40001, '2001:db8::1', 123));
    s.release((ev) => out.push(ev));
    assert.equal(out[0]!.local.ip, '2001:db8::5');
  });

  it('passes a held send with the wildcard after one release when no datagram was seen, and counts it', () => {
    const s = new UdpSourceAddresses();
    const out: ConnectionEvent[] = [];
    s.complete(flow('0.0.0.0', 40002, '192.0.2.2', 9), (ev) => out.push(ev));
    s.release((ev) => out.push(ev));
    assert.equal(out[0]!.local.ip, '0.0.0.0');
    assert.deepEqual(s.stats(), { filled: 0, unknown: 1 });
    s.release((ev) => out.push(ev));
    assert.equal(out.length, 1, 'released once');
  });

  it('never holds a receive, nor touches a socket with an address of its own or TCP', () => {
    const s = new UdpSourceAddresses();
    s.learn(sighting('10.0.0.5', 40003, '192.0.2.3', 53));
    const out: ConnectionEvent[] = [];
    s.complete(flow('0.0.0.0', 40004, '192.0.2.3', 53, 'ingress'), (ev) => out.push(ev));
    s.complete(flow('127.0.0.1', 40003, '192.0.2.3', 53), (ev) => out.push(ev));
    s.complete({ ...flow('0.0.0.0', 40003, '192.0.2.3', 53), transport: 'tcp' }, (ev) => out.push(ev));
    assert.deepEqual(
      out.map((ev) => ev.local.ip),
      ['0.0.0.0', '127.0.0.1', '0.0.0.0'],
    );
  });

  it('forgets the oldest pair beyond its bound', () => {
    const s = new UdpSourceAddresses(2);
    s.learn(sighting('10.0.0.1', 1, '192.0.2.9', 53));
    s.learn(sighting('10.0.0.2', 2, '192.0.2.9', 53));
    s.learn(sighting('10.0.0.3', 3, '192.0.2.9', 53));
    const out: ConnectionEvent[] = [];
    for (const port of [1, 2, 3]) s.complete(flow('0.0.0.0', port, '192.0.2.9', 53, 'ingress'), (ev) => out.push(ev));
    assert.deepEqual(
      out.map((ev) => ev.local.ip),
      ['0.0.0.0', '10.0.0.2', '10.0.0.3'],
    );
  });
});
