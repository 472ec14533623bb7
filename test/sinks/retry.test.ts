import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Backoff, nextDelayMs } from '../../src/sinks/retry';

const opts = { baseMs: 100, maxMs: 5000, factor: 2 };

test('full jitter: the delay ceiling doubles per attempt and stops at maxMs', () => {
  const top = () => 0.999999;
  assert.equal(nextDelayMs(1, opts, top), 99);
  assert.equal(nextDelayMs(2, opts, top), 199);
  assert.equal(nextDelayMs(4, opts, top), 799);
  assert.equal(nextDelayMs(50, opts, top), 4999);
  assert.equal(nextDelayMs(10_000, opts, top), 4999, 'no overflow on a long outage');
  assert.equal(
    nextDelayMs(3, opts, () => 0),
    0,
  );
});

test('delays always lie within [0, min(max, base·factor^(n-1))]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
      const d = nextDelayMs(n, opts, () => r);
      return d >= 0 && d <= Math.min(opts.maxMs, opts.baseMs * 2 ** (n - 1)) && Number.isInteger(d);
    }),
  );
});

test('Backoff counts attempts, honours a server hint within maxMs, and resets', () => {
  const b = new Backoff(opts, () => 0.5);
  assert.equal(b.next(), 50);
  assert.equal(b.next(), 100);
  assert.equal(b.attempts, 2);
  assert.equal(b.next(3000), 3000, 'Retry-After wins over a shorter jittered delay');
  assert.equal(b.next(60_000), 5000, 'but never past maxMs');
  b.reset();
  assert.equal(b.attempts, 0);
  assert.equal(b.next(), 50);
});
