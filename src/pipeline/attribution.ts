// Joins a source's raw socket event with the process table into a full record.
import { withProcess, type ConnectionEvent, type ProcessInfo } from '../core/connection-event';
import { makeProcessInfo } from '../core/process-info';
import type { ProcessEvent } from '../core/stages';

/** What the kernel saw of the process at the event: the table checks its entry against it. */
interface LookupHint {
  comm?: string | undefined;
  uid?: number | undefined;
}

/** What attribution needs of the process table (src/process/process-table.ts provides it). */
export interface ProcessLookup {
  apply(ev: ProcessEvent): void;
  lookup(pid: number, hint?: LookupHint): ProcessInfo | undefined;
  /** Tells listener of each process whose executable hash came after its exec. */
  onHashed?(listener: (info: ProcessInfo) => void): void;
}

/** Joins each raw event with the process table; one per pipeline (it owns its lookup hint). */
export class Attributor {
  // One hint object for every call (lookup does not keep it): no allocation per record.
  private readonly hint: LookupHint = { comm: undefined, uid: undefined };

  constructor(private readonly table: ProcessLookup) {}

  /** The event with the table's process; ev itself when there is nothing to add. */
  attribute(ev: ConnectionEvent): ConnectionEvent {
    const seen = ev.process;
    // Poll-tier records come with the socket owner already read from /proc.
    if (!seen || ev.attribution === 'socket-owner') return ev;
    this.hint.comm = seen.name;
    this.hint.uid = seen.uid;
    const known = this.table.lookup(seen.pid, this.hint);
    if (!known) return ev;
    // The table's record is shared and read-only: copy it only when the event says otherwise.
    if ((!seen.name || seen.name === known.name) && (seen.uid === undefined || seen.uid === known.uid)) return withProcess(ev, known);
    // The name the kernel saw at the event wins (a process may have renamed itself since exec).
    // Another uid than the table knows: its user name is unknown.
    const otherUid = seen.uid !== undefined && seen.uid !== known.uid;
    return withProcess(ev, makeProcessInfo({ ...known, name: seen.name || known.name, uid: seen.uid ?? known.uid, userName: otherUid ? undefined : known.userName }));
  }
}
