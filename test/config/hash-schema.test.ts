import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load';

test('no hash section: on, 256 MiB cap, 50 ms wait, 128 MiB/s, 10 s timeout, 1024 queued', () => {
  assert.deepEqual(validateConfig({}).hash, { enabled: true, maxSize: 256 * 1024 ** 2, waitMs: 50, maxQueue: 1024, timeout: 10_000, rate: 128 * 1024 ** 2 });
});

test('sizes and durations in their units; 0 turns the wait and the pace off', () => {
  const h = validateConfig({ hash: { enabled: false, maxSize: '64MiB', waitMs: 0, timeout: '2s', rate: 0, maxQueue: 8 } }).hash;
  assert.deepEqual(h, { enabled: false, maxSize: 64 * 1024 ** 2, waitMs: 0, maxQueue: 8, timeout: 2000, rate: 0 });
  assert.equal(validateConfig({ hash: { waitMs: '20ms' } }).hash.waitMs, 20);
});

test('an unknown key or a bad value names its key path', () => {
  assert.throws(() => validateConfig({ hash: { algorithm: 'md5' } }), /hash/);
  assert.throws(() => validateConfig({ hash: { maxSize: 'big' } }), /hash\.maxSize/);
  assert.throws(() => validateConfig({ hash: { maxQueue: 0 } }), /hash\.maxQueue/);
});
