import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PidTable } from '../../src/process/pid-table';

test('PidTable behaves as a Map of pids (set, get, delete, growth) with exit times beside', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'exit'), fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 4_194_304 }))), { maxLength: 400 }),
      (ops) => {
        const table = new PidTable<string>(4);
        const model = new Map<number, { v: string; exit: number }>();
        ops.forEach(([op, pid], i) => {
          if (op === 'set') {
            table.set(pid, `v${i}`);
            model.set(pid, { v: `v${i}`, exit: NaN });
          } else if (op === 'delete') {
            assert.equal(table.delete(pid), model.delete(pid));
          } else {
            const m = model.get(pid);
            const marked = m !== undefined && Number.isNaN(m.exit);
            assert.equal(table.markExited(pid, i), marked);
            if (marked) m.exit = i;
          }
          assert.equal(table.size, model.size);
          assert.equal(table.exited, [...model.values()].filter((m) => !Number.isNaN(m.exit)).length);
        });
        for (const [pid, m] of model) {
          assert.equal(table.get(pid), m.v);
          assert.ok(Object.is(table.exitTime(pid), m.exit));
        }
        assert.deepEqual(
          table.pids().sort((a, b) => a - b),
          [...model.keys()].sort((a, b) => a - b),
        );
        for (let pid = 0; pid <= 64; pid++) if (!model.has(pid)) assert.equal(table.get(pid), undefined);
      },
    ),
    { numRuns: 300 },
  );
});

test('PidTable: collisions and deletes inside a probe run keep every other key findable', () => {
  const table = new PidTable<number>(1024);
  // Many keys, then delete every third: backward shifts across runs and the wrap-around.
  const pids = Array.from({ length: 900 }, (_, i) => i * 4096 + 7);
  for (const p of pids) table.set(p, p);
  pids.forEach((p, i) => {
    if (i % 3 === 0) assert.ok(table.delete(p));
  });
  pids.forEach((p, i) => {
    assert.equal(table.get(p), i % 3 === 0 ? undefined : p);
  });
});

test('PidTable.deleteOldestLive drops the oldest live entries, not exited ones', () => {
  const table = new PidTable<string>();
  for (let pid = 1; pid <= 10; pid++) table.set(pid, `p${pid}`);
  table.markExited(1, 5);
  table.set(2, 'p2 again'); // replaced: now the youngest
  assert.deepEqual(
    table.deleteOldestLive(3).sort((a, b) => a - b),
    [3, 4, 5],
  );
  assert.equal(table.get(1), 'p1', 'exited entries are left to the exit order');
  assert.equal(table.get(2), 'p2 again');
  assert.equal(table.size, 7);
});

test('PidTable ignores what cannot be a pid', () => {
  const table = new PidTable<string>();
  for (const bad of [-1, 1.5, NaN, 2 ** 31, 2 ** 40]) {
    table.set(bad, 'x');
    assert.equal(table.get(bad), undefined);
    assert.equal(table.markExited(bad, 1), false);
  }
  assert.equal(table.size, 0);
});
