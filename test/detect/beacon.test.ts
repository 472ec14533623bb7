import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { huntOver } from '../../src/detect/hunt';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options';
import type { ActivityItem } from '../../src/core/stages';
import { connect, handoffOnly, options, proc } from './activity';

const C2 = '203.0.113.80';
const beaconOnly = (over: Partial<typeof DEFAULT_DETECT_OPTIONS.beacon> = {}) =>
  options({ firstSeen: { learnForUs: 1e15 }, beacon: { ...DEFAULT_DETECT_OPTIONS.beacon, ...over } });

/** A small deterministic generator, so the irregular series are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Contacts at the given intervals (seconds), each by a new process of the same executable (a cron job). */
function series(intervals: readonly number[], exe = '/usr/local/bin/agent'): ActivityItem[] {
  let t = 0;
  const items = [connect(proc(1, exe), t, C2)];
  intervals.forEach((d, i) => {
    t += d;
    items.push(connect(proc(2 + i, exe), t, C2));
  });
  return items;
}

test('1 s ± 10% over enough repetitions: one alert with period near 1 s and a score', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.9, max: 1.1, noNaN: true }), { minLength: 8, maxLength: 60 }), (intervals) => {
      const alerts = huntOver(series(intervals), beaconOnly());
      assert.equal(alerts.length, 1);
      const b = alerts[0]!.alert!;
      assert.equal(b.rule, 'beacon');
      assert.ok(Math.abs(b.beacon!.periodS - 1) <= 0.1, `period ${b.beacon!.periodS}`);
      assert.ok(b.beacon!.score >= 0.9 && b.beacon!.score <= 1, `score ${b.beacon!.score}`);
      assert.equal(b.beacon!.count, 8);
      assert.deepEqual(alerts[0]!.remote, { ip: C2, port: 443 });
    }),
  );
});

test('fewer repetitions than minCount: none', () => {
  assert.deepEqual(huntOver(series([1, 1, 1, 1, 1, 1, 1]), beaconOnly()), []);
  assert.equal(huntOver(series([60, 60, 60, 60]), beaconOnly({ minCount: 4 })).length, 1);
});

test('irregular traffic (random intervals) raises none', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    // Exponential gaps (a Poisson process) with a mean of 30 s, as interactive use looks.
    const intervals = Array.from({ length: 50 }, () => -30 * Math.log(1 - next()) + 0.3);
    assert.deepEqual(huntOver(series(intervals), beaconOnly()), [], `seed ${seed}`);
  }
});

test('a burst of connects is one contact: regular bursts are a beacon, the burst does not break it', () => {
  const items: ActivityItem[] = [];
  for (let i = 0; i < 10; i++) for (let k = 0; k < 4; k++) items.push(connect(proc(10 + i, '/opt/agent'), i * 60 + k * 0.01, C2));
  const alerts = huntOver(items, beaconOnly());
  assert.equal(alerts.length, 1);
  assert.ok(Math.abs(alerts[0]!.alert!.beacon!.periodS - 60) < 0.1);
});

test('per executable and address: two programs at one address are two series', () => {
  const a = series([5, 5, 5, 5, 5, 5, 5, 5], '/opt/a');
  const b = series([7, 7, 7, 7, 7, 7, 7, 7], '/opt/b');
  const merged = [...a, ...b].sort((x, y) => (x.kind === 'connection' ? x.ev.timeUs : 0) - (y.kind === 'connection' ? y.ev.timeUs : 0));
  const alerts = huntOver(merged, beaconOnly());
  assert.deepEqual(alerts.map((x) => [x.process?.executable, x.alert?.beacon?.periodS]).sort(), [
    ['/opt/a', 5],
    ['/opt/b', 7],
  ]);
});

test('allow-list silences a beacon; the hand-off-only options never see one', () => {
  assert.deepEqual(huntOver(series([1, 1, 1, 1, 1, 1, 1, 1, 1]), beaconOnly()).length, 1);
  assert.deepEqual(huntOver(series([1, 1, 1, 1, 1, 1, 1, 1, 1]), { ...beaconOnly(), allow: [{ exe: '/usr/local/bin/*' }] }), []);
  assert.deepEqual(huntOver(series([1, 1, 1, 1, 1, 1, 1, 1, 1]), handoffOnly()), []);
});
