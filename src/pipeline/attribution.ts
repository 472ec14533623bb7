// Joins a source's raw socket event with the process table into a full record.
import type { ConnectionEvent, ProcessInfo } from '../core/connection-event';
import type { ProcessEvent } from '../core/stages';

/** What attribution needs of the process table (src/process/process-table.ts provides it). */
export interface ProcessLookup {
  apply(ev: ProcessEvent): void;
  lookup(pid: number, hint?: { comm?: string; uid?: number }): ProcessInfo | undefined;
}

export function attribute(ev: ConnectionEvent, table: ProcessLookup): ConnectionEvent {
  const seen = ev.process;
  // Poll-tier records come with the socket owner already read from /proc.
  if (!seen || ev.attribution === 'socket-owner') return ev;
  const known = table.lookup(seen.pid, { comm: seen.name, uid: seen.uid });
  if (!known) return ev;
  // The name the kernel saw at the event wins (a process may have renamed itself since exec).
  const process: ProcessInfo = { ...known, name: seen.name || known.name, uid: seen.uid ?? known.uid };
  if (seen.uid !== undefined && seen.uid !== known.uid) delete process.userName;
  return { ...ev, process };
}
