import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpFlowTracker } from '../../src/pipeline/udp-flows';
import type { ConnectionEvent } from '../../src/core/connection-event';

function udp(pid: number, rport: number, timeUs: number): ConnectionEvent {
  return {
    timeUs, action: 'udp_flow', outcome: 'success', transport: 'udp', family: 'ipv4', direction: 'egress',
    local: { ip: '127.0.0.1', port: 40000 }, remote: { ip: '127.0.0.1', port: rport },
    process: { pid, name: 'x' }, capture: 'ebpf', attribution: 'syscall',
  };
}

test('the first datagram opens a flow; repeats within the idle timeout do not', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 1000, maxFlows: 10 });
  assert.equal(t.opens(udp(1, 53, 0)), true);
  assert.equal(t.opens(udp(1, 53, 500_000)), false);
  assert.equal(t.opens(udp(1, 53, 1_400_000)), false, 'still active: last seen 0.9 s ago');
  assert.equal(t.opens(udp(1, 53, 2_500_000)), true, 'idle 1.1 s: a new flow');
  assert.equal(t.opens(udp(2, 53, 2_500_000)), true, 'another process is another flow');
  assert.equal(t.opens(udp(1, 54, 2_500_000)), true, 'another remote is another flow');
});

test('memory is bounded: the oldest flow is evicted and counted', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 60_000, maxFlows: 3 });
  for (let p = 1; p <= 5; p++) t.opens(udp(p, 53, p));
  assert.equal(t.size, 3);
  assert.equal(t.evicted, 2);
  t.sweep(120_000_000);
  assert.equal(t.size, 0);
});

test('TCP events pass through untouched', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 1000, maxFlows: 10 });
  const ev = { ...udp(1, 80, 0), transport: 'tcp' as const, action: 'connection_attempted' as const };
  assert.equal(t.opens(ev), true);
  assert.equal(t.opens(ev), true);
});
