// The one internal record every tier produces and every format renders (docs/architecture.md
// §3 lists the fields). Formatters render it; nothing here does I/O.
import type { Alert } from './alert';
import type { ProcessInfo } from './process-info';

// Kept importable from here: most modules take the process types along with the event.
export type { ParentInfo, ProcessInfo } from './process-info';

export type Transport = 'tcp' | 'udp';
export type IpFamily = 'ipv4' | 'ipv6';
export type ConnectionAction = 'connection_attempted' | 'connection_accepted' | 'udp_flow' | 'listen' | 'connection_closed';
export type Outcome = 'success' | 'failure' | 'unknown';
/** egress: this host initiated; ingress: a remote peer initiated (or we listen). */
export type Direction = 'egress' | 'ingress';
export type CaptureTier = 'ebpf' | 'tracefs' | 'poll' | 'lsof' | 'windows';
/**
 * How the process was found. syscall: the task that made the call, in its own context;
 * socket-owner: the owner of the socket's inode in /proc/PID/fd; inferred: matched after the
 * fact (tracefs accepts); unknown: no process could be named.
 */
export type Attribution = 'syscall' | 'socket-owner' | 'inferred' | 'unknown';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/**
 * What a closed connection carried, from the local end's point of view (out: sent by this
 * host). Bytes are payload only, without headers; packets count every segment or datagram.
 * A tier that cannot see a counter leaves it out.
 */
export interface ConnectionEnd {
  /** From the connection's start record to its close. */
  readonly durationNs: number;
  readonly bytesOut?: number | undefined;
  readonly bytesIn?: number | undefined;
  readonly packetsOut?: number | undefined;
  readonly packetsIn?: number | undefined;
}

/**
 * Never changed once it leaves its source: the pipeline, attribution and the sinks replace,
 * they do not mutate (attribution returns a new event). A capture decoder that fills an event
 * in step by step builds a Building<ConnectionEvent> and hands it out as this type.
 */
export interface ConnectionEvent {
  /** Event time, epoch microseconds (a double holds these exactly until year 2255). */
  readonly timeUs: number;
  readonly action: ConnectionAction;
  readonly outcome: Outcome;
  readonly transport: Transport;
  readonly family: IpFamily;
  readonly direction: Direction;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly process?: ProcessInfo | undefined;
  /** Thread that made the call, where the tier knows it. */
  readonly tid?: number | undefined;
  readonly capture: CaptureTier;
  readonly attribution: Attribution;
  /** True for connections that already existed when capture started (reconciliation). */
  readonly preexisting?: boolean | undefined;
  /** Errno of a failed connect, where known. */
  readonly errno?: number | undefined;
  /** Set on a detector's finding (event.kind alert); absent on every ordinary record. */
  readonly alert?: Alert | undefined;
  /**
   * The name the process asked DNS for and got the remote address in answer (the question's
   * name, lower case); absent when no answer was seen. Never from a reverse lookup.
   */
  readonly domain?: string | undefined;
  /** On a connection_closed record: how long it lasted and what it carried, where the tier knows. */
  readonly end?: ConnectionEnd | undefined;
}

/**
 * ev with its process and domain given: a new event of the same shape (every field, one order),
 * so events made here share one hidden class however they were built.
 */
function copyWith(ev: ConnectionEvent, process: ProcessInfo | undefined, domain: string | undefined): ConnectionEvent {
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
    domain,
    end: ev.end,
  };
}

/** ev with another process. */
export function withProcess(ev: ConnectionEvent, process: ProcessInfo): ConnectionEvent {
  return copyWith(ev, process, ev.domain);
}

/** ev with the domain behind its remote address. */
export function withDomain(ev: ConnectionEvent, domain: string): ConnectionEvent {
  return copyWith(ev, ev.process, domain);
}

/** Initiator and responder ends, as ECS source/destination wants them. */
export function initiatorAndResponder(ev: ConnectionEvent): { source: Endpoint; destination: Endpoint } {
  return ev.direction === 'egress' ? { source: ev.local, destination: ev.remote } : { source: ev.remote, destination: ev.local };
}

export function ianaNumber(t: Transport): number {
  return t === 'tcp' ? 6 : 17;
}
