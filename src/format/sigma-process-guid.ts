// Sysmon's ProcessGuid is a brace-wrapped GUID, unique per process instance, and rules and
// SIEM parsers expect that shape. The entity id already names one process instance on one
// host; its hash with the host id, cut to 16 bytes and printed as {8-4-4-4-12}, gives a GUID
// that is stable for the process across records and restarts of the sensor and differs
// between hosts even where two entity ids collide.
import { createHash } from 'node:crypto';

export function sigmaProcessGuid(hostId: string, entityId: string): string {
  const h = createHash('sha256').update(hostId).update('\0').update(entityId).digest('hex');
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
}
