// The byte encoder must write exactly the bytes of the reference rendering, JSON.stringify(toEcs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteWriter } from '../../src/core/byte-writer';
import { EcsByteEncoder } from '../../src/format/ecs-bytes';
import { toEcs } from '../../src/format/ecs-reference';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { env } from '../helpers/events';
import { eventArb } from './event-arbitrary';

/** The reference line every fast path is held to. */
const referenceLine = (ev: ConnectionEvent): string => JSON.stringify(toEcs(ev, env));

test('EcsByteEncoder writes the UTF-8 bytes of the reference (toEcs) for any event, hostile strings included', () => {
  const enc = new EcsByteEncoder(env);
  const w = new ByteWriter(64); // tiny: every record makes it grow
  fc.assert(
    fc.property(eventArb, (ev) => {
      w.reset();
      enc.encode(ev, w);
      assert.equal(w.view().toString('utf8'), referenceLine(ev));
      assert.ok(w.view().equals(Buffer.from(referenceLine(ev), 'utf8')));
    }),
    { numRuns: 2000 },
  );
});

test('EcsByteEncoder appends record after record as the reference renders them, processes repeating (its cache hits)', () => {
  const enc = new EcsByteEncoder(env);
  const w = new ByteWriter(256);
  const processes = fc.sample(
    eventArb.map((ev) => ev.process),
    5,
  );
  const events = fc.sample(
    fc.tuple(eventArb, fc.integer({ min: 0, max: 4 })).map(([e, p]) => ({ ...e, process: processes[p] })),
    300,
  );
  for (const ev of events) {
    enc.encode(ev, w);
    w.byte(10);
  }
  assert.equal(w.view().toString('utf8'), events.map((ev) => `${referenceLine(ev)}\n`).join(''));
});

test('ByteWriter.number writes what String(n) writes', () => {
  const w = new ByteWriter(64);
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.double(), fc.integer()), (n) => {
      w.reset();
      w.number(n);
      assert.equal(w.view().toString('latin1'), String(n));
    }),
    { numRuns: 3000 },
  );
  for (const n of [0, -0, 9, 10, 99, 100, 65535, 4294967295, 4294967296, -1, 1.5, NaN, Infinity]) {
    w.reset();
    w.number(n);
    assert.equal(w.view().toString('latin1'), String(n));
  }
});

test('ByteWriter.ascii falls back to UTF-8 for non-ASCII text', () => {
  const w = new ByteWriter(64);
  w.ascii('10.0.0.1');
  w.ascii('é\u{1F600}x');
  assert.equal(w.view().toString('utf8'), '10.0.0.1é\u{1F600}x');
});

test('EcsByteEncoder writes the reference (toEcs) timestamps for any time, odd ones included', () => {
  const enc = new EcsByteEncoder(env);
  const w = new ByteWriter(256);
  const time = fc.oneof(
    fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
    fc.double({ min: 0, max: 4e15, noNaN: true }), // fractional microseconds
    fc.integer({ min: 253_402_300_000_000_000, max: 8_000_000_000_000_000_000 }), // after year 9999
    fc.integer({ min: -1_000_000_000_000, max: -1 }), // before 1970
  );
  const start = fc.oneof(fc.integer({ min: -1_000_000, max: 4_000_000_000_000 }), fc.double({ min: 0, max: 4e12, noNaN: true }));
  fc.assert(
    fc.property(eventArb, time, start, (e, timeUs, startMs) => {
      const ev = { ...e, timeUs, process: e.process ? { ...e.process, startMs } : undefined };
      let want: string;
      try {
        want = referenceLine(ev);
      } catch {
        return; // a time Date cannot hold: not a record either way
      }
      w.reset();
      enc.encode(ev, w);
      assert.equal(w.view().toString('utf8'), want);
    }),
    { numRuns: 3000 },
  );
});

test('EcsByteEncoder matches the reference for processes of a few programs, interleaved, sharing their argv arrays (program parts copied)', () => {
  const enc = new EcsByteEncoder(env);
  const w = new ByteWriter(256);
  const samples = fc.sample(eventArb, 40);
  const programs = samples.slice(0, 6).map((ev, i) => ({
    name: ev.process?.name ?? `p${i}`,
    executable: ev.process?.executable,
    commandLine: ev.process?.commandLine,
    args: ev.process?.args,
  }));
  const out: string[] = [];
  for (let i = 0; i < 300; i++) {
    const base = samples[i % samples.length]!;
    // Six programs over four slots, in a pattern that both hits and evicts.
    const program = programs[(i * 7) % (i < 150 ? 3 : 6)]!;
    const ev = { ...base, process: { ...(base.process ?? { pid: 1, name: '' }), pid: 1000 + i, ...program } };
    enc.encode(ev, w);
    w.byte(10);
    out.push(`${referenceLine(ev)}\n`);
  }
  assert.equal(w.view().toString('utf8'), out.join(''));
});

test('two EcsByteEncoders (two sinks) share no state: interleaved, each writes the reference', () => {
  const a = new EcsByteEncoder(env);
  const b = new EcsByteEncoder(env);
  const wa = new ByteWriter(256);
  const wb = new ByteWriter(256);
  const events = fc.sample(eventArb, 200);
  events.forEach((ev, i) => {
    (i % 3 === 0 ? a : b).encode(ev, i % 3 === 0 ? wa : wb);
  });
  assert.equal(
    wa.view().toString('utf8'),
    events
      .filter((_, i) => i % 3 === 0)
      .map(referenceLine)
      .join(''),
  );
  assert.equal(
    wb.view().toString('utf8'),
    events
      .filter((_, i) => i % 3 !== 0)
      .map(referenceLine)
      .join(''),
  );
});
