// process.entity_id (DESIGN.md §4): stable for one process lifetime, unique across pid reuse.
// Both the /proc readers and the eBPF tier (task->start_boottime / (1e9 / USER_HZ)) derive
// startTicks the same way, so every tier computes the same id for the same process.
import { createHash } from 'node:crypto';

/** sha256(hostId, pid, startTicks) as base64url, 22 characters (132 bits). */
export function entityId(hostId: string, pid: number, startTicks: number): string {
  return createHash('sha256').update(`${hostId}\0${pid}\0${startTicks}`).digest('base64url').slice(0, 22);
}
