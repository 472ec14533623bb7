import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LogLimit, type LogLimitOptions } from '../../src/core/log-limit';
import { capturedLogger, WARN } from '../helpers/captured-log';

/** What admit() answers for each of `n` occurrences, the clock advancing `stepMs` before each. */
function run(opts: LogLimitOptions, n: number, stepMs = 0): (number | undefined)[] {
  let now = 1_000_000;
  const limit = new LogLimit({ ...opts, nowMs: () => now });
  const out: (number | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    now += stepMs;
    out.push(limit.admit());
  }
  return out;
}

test('first N, then every Nth, each carrying the count left out before it', () => {
  const got = run({ first: 3, every: 4 }, 12);
  assert.deepEqual(got, [0, 0, 0, undefined, undefined, undefined, 3, undefined, undefined, undefined, 3, undefined]);
});

test('first N, then one per interval', () => {
  // One occurrence every 10 ms, at most one line per 100 ms after the first two.
  const got = run({ first: 2, intervalMs: 100 }, 25, 10);
  const admitted = got.flatMap((s, i) => (s === undefined ? [] : [[i, s]]));
  assert.deepEqual(admitted, [
    [0, 0],
    [1, 0],
    [11, 9],
    [21, 9],
  ]);
});

test('reset makes the next occurrence a first one again', () => {
  let now = 0;
  const limit = new LogLimit({ first: 1, intervalMs: 30_000, nowMs: () => now });
  assert.equal(limit.admit(), 0);
  now += 1000;
  assert.equal(limit.admit(), undefined);
  limit.reset();
  now += 1000;
  assert.equal(limit.admit(), 0, 'a new outage is told at once');
  assert.equal(limit.admit(), undefined);
});

test('log() writes the line with `suppressed` only when some were left out', () => {
  const { logger, lines } = capturedLogger();
  const limit = new LogLimit({ first: 1, every: 3 });
  for (let i = 0; i < 7; i++) limit.log(logger, 'warn', { i }, 'disk full');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.i, l.suppressed]),
    [
      [WARN, 'disk full', 0, undefined],
      [WARN, 'disk full', 3, 2],
      [WARN, 'disk full', 6, 2],
    ],
  );
});

test('property: every occurrence is either let through or counted in the next line let through', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      fc.integer({ min: 1, max: 5000 }),
      fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }),
      (first, every, intervalMs, steps) => {
        let now = 0;
        const opts: LogLimitOptions = every !== undefined ? { first, every, nowMs: () => now } : { first, intervalMs, nowMs: () => now };
        const limit = new LogLimit(opts);
        let accounted = 0;
        let pending = 0;
        steps.forEach((step, i) => {
          now += step;
          const s = limit.admit();
          if (i < first) assert.equal(s, 0, 'the first ones always go through');
          if (s === undefined) pending++;
          else {
            assert.equal(s, pending, 'the line carries exactly what was left out since the last');
            accounted += 1 + s;
            pending = 0;
          }
        });
        assert.equal(accounted + pending, steps.length);
        if (every !== undefined) assert.ok(pending < every, 'never more than every-1 left out in a row');
      },
    ),
  );
});
