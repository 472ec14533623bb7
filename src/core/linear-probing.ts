// The algorithm shared by the open-addressing tables (NumberMap, PidTable, RecentKeys): a
// power-of-two table at most half full, one multiplicative hash, linear probing, and deletion
// by backward shift instead of tombstones. Keys are stored plus one in a Float64Array so that 0
// marks an empty slot; each table keeps its own value columns and moves them itself. The hot
// paths take no callbacks: a callback shared by several tables is a call V8 cannot inline.

const TWO_32 = 0x100000000;

/** Slots for a table that must hold initialCapacity entries at most half full. */
export function tableSlots(initialCapacity: number): number {
  let size = 16;
  while (size < initialCapacity * 2) size *= 2;
  return size;
}

/** The right shift that turns a 32-bit hash into a slot of a table of size slots. */
export function slotShift(size: number): number {
  return 32 - Math.log2(size);
}

/** The home slot of a non-negative integer key below 2^53 (for keys below 2^32, Fibonacci hashing). */
export function homeSlot(key: number, shift: number): number {
  // key >>> 0 is the low 32 bits; (key / 2^32) | 0 the high 21, truncated: below 2^53 both exact.
  return Math.imul((key >>> 0) ^ Math.imul((key / TWO_32) | 0, 0x85ebca6b), 0x9e3779b1) >>> shift;
}

/**
 * The slot holding stored (key + 1), or else the empty slot that ends its probe run: one probe
 * serves a lookup (keys[slot] === stored) and an insert (keys[slot] === 0).
 */
export function probeSlot(keys: Float64Array, stored: number, shift: number): number {
  const mask = keys.length - 1;
  let i = homeSlot(stored - 1, shift);
  for (;;) {
    const k = keys[i]!;
    if (k === stored || k === 0) return i;
    i = (i + 1) & mask;
  }
}

/** Whether a table of slotCount slots holding count entries must grow before one more insert. */
export function mustGrow(count: number, slotCount: number): boolean {
  return (count + 1) * 2 > slotCount;
}

/**
 * The slot of stored, which it claims when absent (the table has room: see mustGrow). A new
 * entry comes back as ~slot, a negative number, so the caller counts it without a second probe.
 */
export function insertSlot(keys: Float64Array, stored: number, shift: number): number {
  const slot = probeSlot(keys, stored, shift);
  if (keys[slot] !== 0) return slot;
  keys[slot] = stored;
  return ~slot;
}

/**
 * One step of a backward-shift delete: the slot of the next entry in hole's probe run that may
 * move back into hole, or -1 where the run ends. The table moves that entry (key and columns)
 * into hole and steps again from its old slot; at -1 it empties hole. Lookups so never meet a
 * tombstone.
 */
export function nextShiftSlot(keys: Float64Array, hole: number, shift: number): number {
  const mask = keys.length - 1;
  for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
    const k = keys[j]!;
    if (k === 0) return -1;
    if (mayFillHole(hole, j, homeSlot(k - 1, shift))) return j;
  }
}

/**
 * Re-inserts every entry of oldKeys into the empty, larger newKeys (a grow, which is rare
 * enough for a callback); place copies the table's other columns from the old slot to the new.
 */
export function rehash(oldKeys: Float64Array, newKeys: Float64Array, shift: number, place: (from: number, to: number) => void): void {
  for (let i = 0; i < oldKeys.length; i++) {
    const k = oldKeys[i]!;
    if (k !== 0) place(i, ~insertSlot(newKeys, k, shift));
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
