// Checked reads of list items for tests: an index the list does not have fails the test with
// a message instead of handing `undefined` to the next assertion.
import assert from 'node:assert/strict';

/** The one item of items; fails unless there is exactly one. */
export function onlyItem<T>(items: readonly T[], message?: string): T {
  assert.equal(items.length, 1, message ?? `expected exactly one item, got ${items.length}`);
  return items[0] as T;
}

/** items[index]; fails when the list is too short (or the item is undefined). */
export function itemAt<T>(items: readonly T[], index: number, message?: string): T {
  const item = items[index];
  assert.ok(item !== undefined, message ?? `no item at ${index} of ${items.length}`);
  return item;
}
