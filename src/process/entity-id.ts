// process.entity_id (DESIGN.md §4): stable for one process lifetime, unique across pid reuse.
// Both the /proc readers and the eBPF tier (task->start_boottime / (1e9 / USER_HZ)) derive
// startTicks the same way, so every tier computes the same id for the same process.
import crypto from 'node:crypto';

// Every fork and exec hashes: crypto.hash (Node >= 20.12) does it in one native call, about
// twice as fast as createHash().update().digest(); older Node 20 releases lack it.
const sha256Base64url: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'base64url')
    : (data) => crypto.createHash('sha256').update(data).digest('base64url');

/** sha256(hostId, pid, startTicks) as base64url, 22 characters (132 bits). */
export function entityId(hostId: string, pid: number, startTicks: number): string {
  return sha256Base64url(`${hostId}\0${pid}\0${startTicks}`).slice(0, 22);
}
