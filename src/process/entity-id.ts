// process.entity_id (DESIGN.md §4): stable for one process lifetime, unique across pid reuse.
// Both the /proc readers and the eBPF tier (task->start_boottime / (1e9 / USER_HZ)) derive
// startTicks the same way, so every tier computes the same id for the same process.
//
// The id is 16 bytes, base64url (22 characters): 6 bytes of sha256(host id), then the pid
// (4 bytes) and the start in clock ticks (6 bytes), big-endian. Unique by construction on a
// host (a pid is reused only by a process that starts later), and hosts told apart by their
// hashed id. It used to be sha256 of all three: a native hash call per process, a large share
// of the sensor's CPU at thousands of short-lived processes a second, for no more uniqueness.
import crypto from 'node:crypto';

const SCRATCH = Buffer.alloc(16);
let lastHostId: string | undefined;
const hostPrefix = Buffer.alloc(6);

const TWO_32 = 0x100000000;
const TWO_48 = 0x1000000000000;

/** The id of the process (hostId, pid, startTicks), 22 url-safe characters. */
export function entityId(hostId: string, pid: number, startTicks: number): string {
  if (!(pid >= 0 && pid < TWO_32 && Number.isInteger(pid) && startTicks >= 0 && startTicks < TWO_48 && Number.isInteger(startTicks))) {
    // Never seen from a kernel; hashed so that even such values get a stable id of the same form.
    return crypto.createHash('sha256').update(`${hostId}\0${pid}\0${startTicks}`).digest('base64url').slice(0, 22);
  }
  if (hostId !== lastHostId) {
    crypto.createHash('sha256').update(hostId).digest().copy(hostPrefix, 0, 0, 6);
    lastHostId = hostId;
  }
  const b = SCRATCH;
  for (let i = 0; i < 6; i++) b[i] = hostPrefix[i]!;
  b[6] = pid >>> 24;
  b[7] = (pid >>> 16) & 0xff;
  b[8] = (pid >>> 8) & 0xff;
  b[9] = pid & 0xff;
  const high = Math.floor(startTicks / TWO_32);
  const low = startTicks - high * TWO_32;
  b[10] = (high >>> 8) & 0xff;
  b[11] = high & 0xff;
  b[12] = low >>> 24;
  b[13] = (low >>> 16) & 0xff;
  b[14] = (low >>> 8) & 0xff;
  b[15] = low & 0xff;
  return b.toString('base64url');
}
