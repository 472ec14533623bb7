import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentKeys } from '../../src/pipeline/recent-keys';

test('remembers at least the last max/2 keys and at most max', () => {
  const r = new RecentKeys(100);
  for (let i = 0; i < 1000; i++) r.add(i);
  for (let i = 950; i < 1000; i++) assert.ok(r.has(i), `k${i} is recent`);
  assert.ok(!r.has(0));
  let kept = 0;
  for (let i = 0; i < 1000; i++) if (r.has(i)) kept++;
  assert.ok(kept >= 50 && kept <= 100, `kept ${kept}`);
});
