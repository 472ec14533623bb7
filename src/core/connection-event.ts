// The one internal record (DESIGN.md §4). Formatters render it; nothing here does I/O.
import type { Alert } from './alert';

export type Transport = 'tcp' | 'udp';
export type IpFamily = 'ipv4' | 'ipv6';
export type ConnectionAction =
  | 'connection_attempted'
  | 'connection_accepted'
  | 'udp_flow'
  | 'listen'
  | 'connection_closed';
export type Outcome = 'success' | 'failure' | 'unknown';
/** egress: this host initiated; ingress: a remote peer initiated (or we listen). */
export type Direction = 'egress' | 'ingress';
export type CaptureTier = 'ebpf' | 'tracefs' | 'poll' | 'lsof' | 'windows';
/** How the process was found: see DESIGN.md §3. */
export type Attribution = 'syscall' | 'socket-owner' | 'inferred' | 'unknown';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface ParentInfo {
  readonly pid: number;
  readonly name?: string;
  readonly executable?: string;
  readonly entityId?: string;
}

/** Never changed once handed out (replace, do not mutate): formatters cache their rendering per object. */
export interface ProcessInfo {
  readonly pid: number;
  readonly name: string;
  readonly executable?: string;
  readonly commandLine?: string;
  readonly args?: readonly string[];
  /** Process start, epoch milliseconds. */
  readonly startMs?: number;
  /** Start in clock ticks since boot (/proc/PID/stat field 22); the basis of entityId. */
  readonly startTicks?: number;
  readonly entityId?: string;
  readonly parent?: ParentInfo;
  readonly uid?: number;
  readonly userName?: string;
  readonly containerId?: string;
  /** Set when the process had exited before we looked it up (kept from exec time). */
  readonly exited?: boolean;
}

/**
 * Never changed once it leaves its source: the pipeline, attribution and the sinks replace,
 * they do not mutate (attribution returns a new event). local, process, tid, preexisting and
 * errno stay writable for the capture decoders that fill them in while building an event.
 */
export interface ConnectionEvent {
  /** Event time, epoch microseconds (a double holds these exactly until year 2255). */
  readonly timeUs: number;
  readonly action: ConnectionAction;
  readonly outcome: Outcome;
  readonly transport: Transport;
  readonly family: IpFamily;
  readonly direction: Direction;
  local: Endpoint;
  readonly remote: Endpoint;
  process?: ProcessInfo;
  /** Thread that made the call, where the tier knows it. */
  tid?: number;
  readonly capture: CaptureTier;
  readonly attribution: Attribution;
  /** True for connections that already existed when capture started (reconciliation). */
  preexisting?: boolean;
  /** Errno of a failed connect, where known. */
  errno?: number;
  /** Set on a detector's finding (event.kind alert); absent on every ordinary record. */
  readonly alert?: Alert;
}

/** ev with another process: a new event of the same shape (every field, one order). */
export function withProcess(ev: ConnectionEvent, process: ProcessInfo): ConnectionEvent {
  return {
    timeUs: ev.timeUs,
    action: ev.action,
    outcome: ev.outcome,
    transport: ev.transport,
    family: ev.family,
    direction: ev.direction,
    local: ev.local,
    remote: ev.remote,
    process,
    tid: ev.tid,
    capture: ev.capture,
    attribution: ev.attribution,
    preexisting: ev.preexisting,
    errno: ev.errno,
    alert: ev.alert,
  };
}

/** Initiator and responder ends, as ECS source/destination wants them. */
export function initiatorAndResponder(ev: ConnectionEvent): { source: Endpoint; destination: Endpoint } {
  return ev.direction === 'egress'
    ? { source: ev.local, destination: ev.remote }
    : { source: ev.remote, destination: ev.local };
}

export function ianaNumber(t: Transport): number {
  return t === 'tcp' ? 6 : 17;
}
