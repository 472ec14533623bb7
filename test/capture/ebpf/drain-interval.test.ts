// The ebpf source's drain interval (src/capture/ebpf/source.ts): as long as latency allows,
// shorter only when the ring fills fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDrainMs } from '../../../src/capture/ebpf/source';

const MiB = 1 << 20;

test('an idle or quiet ring waits the longest interval', () => {
  assert.equal(nextDrainMs(0, 250, MiB), 250);
  assert.equal(nextDrainMs(100_000, 250, MiB), 250, '100 kB in 250 ms: far under the limit');
});

test('a ring filling fast is drained sooner, so a wait would fill at most the limit', () => {
  // 4 MiB in 250 ms: a wait of 62 ms fills 1 MiB at that rate.
  assert.equal(nextDrainMs(4 * MiB, 250, MiB), 62);
  assert.ok(nextDrainMs(2 * MiB, 250, MiB) > nextDrainMs(4 * MiB, 250, MiB));
});

test('never below the floor, whatever the rate', () => {
  assert.equal(nextDrainMs(1000 * MiB, 250, MiB), 10);
  assert.equal(nextDrainMs(MiB, 0, MiB), 250, 'no time measured: the longest');
});
