// process.entity_id, the ECS field that names one process: stable for one process lifetime, unique across pid reuse.
// Both the /proc readers and the eBPF tier (task->start_boottime / (1e9 / USER_HZ)) derive
// startTicks the same way, so every tier computes the same id for the same process.
//
// The id is 16 bytes, base64url (22 characters): 6 bytes of sha256(host id), then the pid
// (4 bytes) and the start in clock ticks (6 bytes), big-endian. Unique by construction on a
// host (a pid is reused only by a process that starts later), and hosts told apart by their
// hashed id. No hash per process: at thousands of short-lived processes a second a native
// hash call each would be a large share of the sensor's CPU, for no more uniqueness.
import crypto from 'node:crypto';

const TWO_32 = 0x100000000;
const TWO_48 = 0x1000000000000;

/** The ids of one host's processes: the host's part of every id is text made once. */
export class EntityIds {
  private readonly hostPrefixText: string;

  constructor(private readonly hostId: string) {
    // 6 bytes are exactly 8 base64 characters.
    this.hostPrefixText = crypto.createHash('sha256').update(hostId).digest().subarray(0, 6).toString('base64url');
  }

  /** The id of the process (pid, startTicks) on this host, 22 url-safe characters. */
  of(pid: number, startTicks: number): string {
    if (!(pid >= 0 && pid < TWO_32 && Number.isInteger(pid) && startTicks >= 0 && startTicks < TWO_48 && Number.isInteger(startTicks))) {
      // Never seen from a kernel; hashed so that even such values get a stable id of the same form.
      return crypto.createHash('sha256').update(`${this.hostId}\0${pid}\0${startTicks}`).digest('base64url').slice(0, 22);
    }
    // The other 10 bytes (pid, then start ticks; big-endian) as 14 characters, without a Buffer
    // and a native call per process: three groups of 3 bytes, then one byte.
    const high = Math.floor(startTicks / TWO_32);
    const low = startTicks - high * TWO_32;
    const g1 = pid >>> 8; // pid bytes 0-2
    const g2 = ((pid & 0xff) << 16) | (high & 0xffff); // pid byte 3, ticks bytes 0-1
    const g3 = low >>> 8; // ticks bytes 2-4
    const last = low & 0xff; // ticks byte 5
    return (
      this.hostPrefixText +
      String.fromCharCode(
        B64URL[g1 >>> 18]!,
        B64URL[(g1 >>> 12) & 63]!,
        B64URL[(g1 >>> 6) & 63]!,
        B64URL[g1 & 63]!,
        B64URL[g2 >>> 18]!,
        B64URL[(g2 >>> 12) & 63]!,
        B64URL[(g2 >>> 6) & 63]!,
        B64URL[g2 & 63]!,
        B64URL[g3 >>> 18]!,
        B64URL[(g3 >>> 12) & 63]!,
        B64URL[(g3 >>> 6) & 63]!,
        B64URL[g3 & 63]!,
        B64URL[last >>> 2]!,
        B64URL[(last & 3) << 4]!,
      )
    );
  }
}

/** The id of the process (hostId, pid, startTicks), for one-off use (hashes the host id each call). */
export function entityId(hostId: string, pid: number, startTicks: number): string {
  return new EntityIds(hostId).of(pid, startTicks);
}

const B64URL = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) => c.charCodeAt(0));
