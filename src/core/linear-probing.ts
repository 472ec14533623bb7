// Rules shared by the open-addressing tables (NumberMap, PidTable): a power-of-two table at
// most half full, linear probing, and deletion by backward shift instead of tombstones.

/** Slots for a table that must hold initialCapacity entries at most half full. */
export function tableSlots(initialCapacity: number): number {
  let size = 16;
  while (size < initialCapacity * 2) size *= 2;
  return size;
}

/**
 * During a backward-shift delete: whether the entry at slot j, whose home slot is home, may
 * move back into the hole. It may not when its home lies cyclically in (hole, j]: a lookup
 * starting there would then pass the entry's new slot.
 */
export function mayFillHole(hole: number, j: number, home: number): boolean {
  return hole <= j ? home <= hole || home > j : home <= hole && home > j;
}
