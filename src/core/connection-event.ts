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
  ip: string;
  port: number;
}

export interface ParentInfo {
  pid: number;
  name?: string;
  executable?: string;
  entityId?: string;
}

/** Never changed once handed out (replace, do not mutate): formatters cache their rendering per object. */
export interface ProcessInfo {
  pid: number;
  name: string;
  executable?: string;
  commandLine?: string;
  args?: readonly string[];
  /** Process start, epoch milliseconds. */
  startMs?: number;
  /** Start in clock ticks since boot (/proc/PID/stat field 22); the basis of entityId. */
  startTicks?: number;
  entityId?: string;
  parent?: ParentInfo;
  uid?: number;
  userName?: string;
  containerId?: string;
  /** Set when the process had exited before we looked it up (kept from exec time). */
  exited?: boolean;
}

export interface ConnectionEvent {
  /** Event time, epoch microseconds (a double holds these exactly until year 2255). */
  timeUs: number;
  action: ConnectionAction;
  outcome: Outcome;
  transport: Transport;
  family: IpFamily;
  direction: Direction;
  local: Endpoint;
  remote: Endpoint;
  process?: ProcessInfo;
  /** Thread that made the call, where the tier knows it. */
  tid?: number;
  capture: CaptureTier;
  attribution: Attribution;
  /** True for connections that already existed when capture started (reconciliation). */
  preexisting?: boolean;
  /** Errno of a failed connect, where known. */
  errno?: number;
  /** Set on a detector's finding (event.kind alert); absent on every ordinary record. */
  alert?: Alert;
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
