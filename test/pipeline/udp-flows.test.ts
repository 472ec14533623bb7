import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpFlowTracker } from '../../src/pipeline/udp-flows';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { udpEvent } from '../helpers/events';

function udp(pid: number, rport: number, timeUs: number): ConnectionEvent {
  return udpEvent({ pid, name: 'x' }, { timeUs, remote: { ip: '127.0.0.1', port: rport } });
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

test('eviction takes the flow seen least recently, not the one opened first', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 60_000, maxFlows: 3 });
  t.opens(udp(1, 53, 1));
  t.opens(udp(2, 53, 2));
  t.opens(udp(3, 53, 3));
  t.opens(udp(1, 53, 4)); // flow 1 is active again
  t.opens(udp(4, 53, 5)); // a fourth flow: flow 2 (seen at 2) goes
  assert.equal(t.evicted, 1);
  assert.equal(t.opens(udp(1, 53, 6)), false, 'flow 1 was kept');
  assert.equal(t.opens(udp(3, 53, 7)), false, 'flow 3 was kept');
  assert.equal(t.opens(udp(2, 53, 8)), true, 'flow 2 was evicted: it opens again');
});

test('a sweep drops idle flows and keeps those seen since they were opened', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 1000, maxFlows: 100 });
  t.opens(udp(1, 53, 0));
  t.opens(udp(2, 53, 0));
  t.opens(udp(2, 53, 900_000));
  t.sweep(1_500_000); // flow 1 idle 1.5 s, flow 2 idle 0.6 s
  assert.equal(t.size, 1);
  assert.equal(t.opens(udp(2, 53, 1_600_000)), false, 'flow 2 is still open');
  t.sweep(2_700_000); // flow 2 idle 1.1 s
  assert.equal(t.size, 0);
});

test('many flows over the bound: every one is counted once, the size stays at the bound', () => {
  const t = new UdpFlowTracker({ idleTimeoutMs: 60_000, maxFlows: 1000 });
  let opened = 0;
  for (let i = 0; i < 50_000; i++) {
    // Each flow sends twice (the second within the timeout), 1,000 new flows between.
    if (t.opens(udp(1 + (i % 25_000), 53, i))) opened++;
  }
  assert.equal(t.size, 1000);
  assert.equal(opened, 50_000, 'a flow evicted 25,000 flows ago opens again');
  assert.equal(t.evicted, 49_000);
});
