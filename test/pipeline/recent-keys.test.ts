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

test('holds 53-bit flow hashes exactly, including keys that share their low 32 bits', () => {
  const r = new RecentKeys(2000);
  const keys: number[] = [];
  for (let i = 0; i < 500; i++) {
    keys.push(i * 0x100000000 + 7); // same low word, different high bits
    keys.push(Number.MAX_SAFE_INTEGER - 1 - i * 977);
  }
  for (const k of keys) r.add(k);
  for (const k of keys) assert.ok(r.has(k), `has ${k}`);
  assert.ok(!r.has(501 * 0x100000000 + 7));
  assert.ok(!r.has(8));
  assert.ok(!r.has(0));
});
