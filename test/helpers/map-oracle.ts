// The property every number-keyed open-addressing table must have: any sequence of sets and
// deletes leaves it holding what a Map given the same sequence holds.
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** The part of a table the oracle drives. */
export interface NumberTable {
  readonly size: number;
  set(key: number, value: number): void;
  delete(key: number): boolean;
  has(key: number): boolean;
  get(key: number): number | undefined;
}

export interface OracleOptions {
  /** Keys 0..smallKeys-1 are also drawn often, so deletes hit and runs collide; all are checked at the end. */
  readonly smallKeys: number;
  /** Checked after every operation (e.g. an invariant of the table's layout). */
  readonly invariant?: (table: NumberTable) => void;
  readonly numRuns?: number;
}

export function assertBehavesAsMap(make: () => NumberTable, opts: OracleOptions): void {
  const key = fc.oneof(fc.integer({ min: 0, max: opts.smallKeys - 1 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }));
  const op = fc.tuple(fc.boolean(), key, fc.double({ noNaN: true }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 500 }), (ops) => {
      const table = make();
      const model = new Map<number, number>();
      for (const [isSet, k, v] of ops) {
        if (isSet) {
          table.set(k, v);
          model.set(k, v);
        } else assert.equal(table.delete(k), model.delete(k));
        assert.equal(table.size, model.size);
        opts.invariant?.(table);
      }
      for (const [k, v] of model) assert.ok(Object.is(table.get(k), v), `value of ${k}`);
      for (let k = 0; k < opts.smallKeys; k++) assert.equal(table.has(k), model.has(k), `presence of ${k}`);
    }),
    { numRuns: opts.numRuns ?? 300 },
  );
}
