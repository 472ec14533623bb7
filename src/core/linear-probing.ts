// The algorithm shared by the open-addressing tables (NumberMap, PidTable, RecentKeys): a
// power-of-two table at most half full, linear probing, and deletion by backward shift instead
// of tombstones. Keys are stored plus one in a typed array so that 0 marks an empty slot; each
// table keeps its own key type, hash and companion columns, and these functions move entries
// between slots through the table's callbacks.

/** A table's key column: each slot holds key + 1, or 0 when empty. */
export type KeySlots = Float64Array | Int32Array;

/** Slots for a table that must hold initialCapacity entries at most half full. */
export function tableSlots(initialCapacity: number): number {
  let size = 16;
  while (size < initialCapacity * 2) size *= 2;
  return size;
}

/**
 * The slot holding stored (key + 1), or else the empty slot that ends its probe run from home:
 * one probe serves a lookup (keys[slot] === stored) and an insert (keys[slot] === 0).
 */
export function probeSlot(keys: KeySlots, stored: number, home: number, mask: number): number {
  let i = home;
  for (;;) {
    const k = keys[i]!;
    if (k === stored || k === 0) return i;
    i = (i + 1) & mask;
  }
}

/**
 * Empties slot by backward shift: later entries of its probe run move back into the hole when
 * their home allows, so lookups never meet a tombstone. homeOf maps a stored key to its home
 * slot; move copies the table's other columns from one slot to another. Returns the slot left
 * empty at the end (its key already 0), whose other columns the table resets.
 */
export function backwardShiftDelete(
  keys: KeySlots,
  slot: number,
  mask: number,
  homeOf: (stored: number) => number,
  move: (from: number, to: number) => void,
): number {
  let hole = slot;
  let j = slot;
  for (;;) {
    j = (j + 1) & mask;
    const k = keys[j]!;
    if (k === 0) break;
    if (!mayFillHole(hole, j, homeOf(k))) continue;
    keys[hole] = k;
    move(j, hole);
    hole = j;
  }
  keys[hole] = 0;
  return hole;
}

/**
 * Re-inserts every entry of oldKeys into the empty table newKeys (after a grow); place copies
 * the table's other columns from the old slot to the new one.
 */
export function rehash(
  oldKeys: KeySlots,
  newKeys: KeySlots,
  mask: number,
  homeOf: (stored: number) => number,
  place: (from: number, to: number) => void,
): void {
  for (let i = 0; i < oldKeys.length; i++) {
    const k = oldKeys[i]!;
    if (k === 0) continue;
    const slot = probeSlot(newKeys, k, homeOf(k), mask);
    newKeys[slot] = k;
    place(i, slot);
  }
}

/**
 * During a backward-shift delete: whether the entry at slot j, whose home slot is home, may
 * move back into the hole. It may not when its home lies cyclically in (hole, j]: a lookup
 * starting there would then pass the entry's new slot.
 */
export function mayFillHole(hole: number, j: number, home: number): boolean {
  return hole <= j ? home <= hole || home > j : home <= hole && home > j;
}
