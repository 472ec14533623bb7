// The interfaces where stages meet. Sources, attribution, detectors and sinks do not
// import each other: the pipeline wires them through these.
import type { CaptureTier, ConnectionEvent } from './connection-event';
import type { DnsAnswer } from './dns-answer';

/**
 * Process lifecycle learnt from the kernel (exec/exit) so short-lived processes keep a record.
 * Never changed once it leaves its source; a source that completes an exec or fork before
 * handing it on builds a Building<...> of that member.
 */
export type ProcessEvent =
  | {
      readonly type: 'exec';
      readonly pid: number;
      readonly ppid: number;
      readonly uid: number;
      readonly comm: string;
      /** The file the process runs, absolute and resolved (symlinks, mounts), as /proc/PID/exe shows it. */
      readonly executable: string;
      /** The file had been unlinked: /proc/PID/exe shows it with " (deleted)", kept apart from the path here. */
      readonly executableDeleted?: boolean | undefined;
      /** Too deep or long for the source to resolve whole: executable is the path's tail. */
      readonly executableTruncated?: boolean | undefined;
      /** Shared, never changed: a source may hand the same array to every exec of one command line. */
      readonly args: readonly string[];
      /** args joined by spaces, when the source has it already. */
      readonly commandLine?: string | undefined;
      readonly startTicks?: number | undefined;
      /** Kernel cgroup id (cgroup v2 inode) of the task: maps to a container id without reading /proc. */
      readonly cgroupId?: string | undefined;
      readonly timeUs: number;
    }
  /** A new process (not a thread) forked from ppid: until it execs it runs the parent's program. */
  | { readonly type: 'fork'; readonly pid: number; readonly ppid: number; readonly startTicks?: number | undefined; readonly timeUs: number }
  | { readonly type: 'exit'; readonly pid: number; readonly timeUs: number }
  | { readonly type: 'rename'; readonly pid: number; readonly comm: string; readonly timeUs: number };

/** Counters a source reports; folded into the periodic stats record. */
export interface SourceStats {
  events: number;
  lost: number;
  /** Kernel records that did not decode, by the decoder's stable kind name (sources that decode records). */
  decodeErrors?: Record<string, number>;
  /** The DNS answer tap, where the source runs one. */
  dns?: DnsTapStats;
}

/** Counters of a DNS answer tap. */
export interface DnsTapStats {
  /** Answers with at least one address, handed to the pipeline. */
  answers: number;
  /** Valid responses without an address (NXDOMAIN, other record types). */
  withoutAddress: number;
  /** Answers the kernel could not put in the tap's ring. */
  lost: number;
  /** Payloads that gave no answer, by kind (malformed, tcp_partial, ...). */
  parseErrors: Record<string, number>;
  /** UDP flows of wildcard sockets: given their datagram's source address, or left with the wildcard. */
  udpSources?: { readonly filled: number; readonly unknown: number };
}

export interface SourceOutput {
  /** A socket event; `process` may hold only what the tier saw (pid, comm, uid). */
  connection(ev: ConnectionEvent): void;
  process(ev: ProcessEvent): void;
  /** A DNS answer to a local process, before any connection it leads to (sources with a DNS tap). */
  dnsAnswer?(answer: DnsAnswer): void;
  /** The source lost events (ring buffer full, trace_pipe overrun): the pipeline reconciles. */
  lost(count: number): void;
}

export interface CaptureSource {
  readonly tier: CaptureTier;
  start(out: SourceOutput): Promise<void>;
  stats(): SourceStats;
  close(): Promise<void>;
}

export interface SinkStats {
  written: number;
  dropped: number;
  errors: number;
  /** Records the sink's format does not report (not a loss: the format leaves them out by design). */
  skipped?: number;
}

/** A reported process ended: sinks that keep processes (the store) record its end. */
export interface ProcessEnd {
  readonly pid: number;
  readonly entityId: string;
  /** Exit time, epoch microseconds. */
  readonly timeUs: number;
}

/** A reported process's executable hash, known only after its first records left. */
export interface ProcessHash {
  readonly entityId: string;
  readonly sha256: string;
}

export interface Sink {
  readonly name: string;
  /** Never throws and never blocks: a sink queues (bounded) and counts what it drops. */
  write(ev: ConnectionEvent): void;
  /** Optional: told when a process that may have been written exits. Never throws. */
  processEnded?(end: ProcessEnd): void;
  /** Optional: told of a hash that came after the process's first records. Never throws. */
  processHashed?(hash: ProcessHash): void;
  /** Resolves when everything written so far is delivered or durably queued. */
  flush(): Promise<void>;
  stats(): SinkStats;
  close(): Promise<void>;
}

/**
 * What the detectors consume, in time order: live from the pipeline, or replayed from the
 * store by `hunt`. Both paths feed the same items, so both raise the same alerts.
 */
export type ActivityItem = { readonly kind: 'connection'; readonly ev: ConnectionEvent } | { readonly kind: 'process_end'; readonly end: ProcessEnd };
