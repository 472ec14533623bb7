// IsoTimestamps (and isoMicros/isoMillis) keep the text of the last second: they must print what the plain
// Date#toISOString renderings print, whatever order the times come in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IsoTimestamps, isoMicros as isoMicrosOnce, isoMillis as isoMillisOnce } from '../../src/format/timestamp';

// One formatter's timestamps, kept across every test here so the cache is exercised.
const kept = new IsoTimestamps();
const isoMicros = (t: number): string => kept.micros(t);
const isoMillis = (ms: number): string => kept.millis(ms);

/** isoMicros as it was written before the per-second cache. */
function isoMicrosPlain(timeUs: number): string {
  return `${new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 23) + String(Math.floor(timeUs) % 1000).padStart(3, '0')}Z`;
}

// Years 0000-9999 and a little beyond on both sides (6-digit years take the uncached path);
// whole microseconds mostly, fractions too.
const MIN_US = Date.UTC(-1, 0, 1) * 1000;
const MAX_US = Date.UTC(10001, 0, 1) * 1000;
const anyUs = fc.double({ min: MIN_US, max: MAX_US, noNaN: true });
// Nearby times too, so that many share a second with the one before.
const nearby = fc.integer({ min: 0, max: 5_000_000 }).map((d) => 1_764_000_000_000_000 + d);
const times = fc.array(fc.oneof(anyUs.map(Math.floor), anyUs, fc.integer({ min: 0, max: 4_102_444_800_000_000 }), nearby), { maxLength: 20 });

test('isoMicros is the plain rendering, for any time and order', () => {
  fc.assert(
    fc.property(times, (ts) => {
      for (const t of ts) assert.equal(isoMicros(t), isoMicrosPlain(t), String(t));
    }),
    { numRuns: 3000 },
  );
});

test('isoMicros across second and millisecond boundaries', () => {
  let t = Date.UTC(2026, 0, 1, 23, 59, 58) * 1000;
  for (let i = 0; i < 20_000; i++, t += 997) assert.equal(isoMicros(t), isoMicrosPlain(t));
  assert.equal(isoMicros(Date.UTC(2026, 0, 1) * 1000 - 1), '2025-12-31T23:59:59.999999Z');
});

test('isoMillis is Date#toISOString, for any time and order', () => {
  fc.assert(
    fc.property(times, (ts) => {
      // Whole milliseconds mostly (process start times), fractions too.
      for (const us of ts) for (const t of [Math.floor(us / 1000), us / 1000]) assert.equal(isoMillis(t), new Date(t).toISOString(), String(t));
    }),
    { numRuns: 3000 },
  );
  let t = Date.UTC(2026, 5, 30, 23, 59, 59);
  for (let i = 0; i < 5000; i++, t += 7) assert.equal(isoMillis(t), new Date(t).toISOString());
  assert.throws(() => isoMillis(NaN), RangeError);
});

test('the one-off isoMicros/isoMillis print what an IsoTimestamps prints', () => {
  fc.assert(
    fc.property(times, (ts) => {
      for (const t of ts) {
        assert.equal(isoMicrosOnce(t), isoMicros(t));
        if (Number.isFinite(t)) assert.equal(isoMillisOnce(Math.floor(t / 1000)), isoMillis(Math.floor(t / 1000)));
      }
    }),
  );
});
