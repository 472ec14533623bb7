// The process an event is attributed to, and its parent. These types live apart from the
// event so that the event and the alert (which names an earlier process) both import them
// without importing each other.

/** What an event tells of a parent: the process's identity fields, the name too only when known. */
export type ParentInfo = Pick<ProcessInfo, 'pid' | 'executable' | 'entityId'> & { readonly name?: string | undefined; readonly sha256?: string | undefined };

/**
 * Why a process carries no executable hash: still being computed when the record left, the file
 * above the size cap, the hash queue full, the hash slower than its timeout, or the file unreadable.
 */
export type HashStatus = 'pending' | 'too_large' | 'busy' | 'timeout' | 'error';

/** Never changed once handed out (replace, do not mutate): formatters cache their rendering per object. */
export interface ProcessInfo {
  readonly pid: number;
  readonly name: string;
  readonly executable?: string | undefined;
  /** The executable had been unlinked when the process ran it (what /proc/PID/exe marks " (deleted)"); set only when true. */
  readonly executableDeleted?: boolean | undefined;
  readonly commandLine?: string | undefined;
  readonly args?: readonly string[] | undefined;
  /** Process start, epoch milliseconds. */
  readonly startMs?: number | undefined;
  /** Start in clock ticks since boot (/proc/PID/stat field 22); the basis of entityId. */
  readonly startTicks?: number | undefined;
  readonly entityId?: string | undefined;
  readonly parent?: ParentInfo | undefined;
  readonly uid?: number | undefined;
  readonly userName?: string | undefined;
  readonly containerId?: string | undefined;
  /** Set when the process had exited before we looked it up (kept from exec time). */
  readonly exited?: boolean | undefined;
  /** SHA-256 (lower-case hex) of the executable file the process runs. */
  readonly sha256?: string | undefined;
  /** Set when sha256 is absent and a hash was asked for: why it is missing. */
  readonly hashStatus?: HashStatus | undefined;
}

// ProcessInfo and ParentInfo objects built in one place, with every field present (absent
// ones undefined) in one order: they all share one hidden class. The encoders and the
// pipeline read them for every record; with one shape those reads stay monomorphic, and a
// new kind of source object (exec, fork, /proc, a rename) no longer deoptimises them in the
// middle of a busy sensor.
export function makeProcessInfo(f: ProcessInfo): ProcessInfo {
  return {
    pid: f.pid,
    name: f.name,
    executable: f.executable,
    executableDeleted: f.executableDeleted,
    commandLine: f.commandLine,
    args: f.args,
    startMs: f.startMs,
    startTicks: f.startTicks,
    entityId: f.entityId,
    parent: f.parent,
    uid: f.uid,
    userName: f.userName,
    containerId: f.containerId,
    exited: f.exited,
    sha256: f.sha256,
    hashStatus: f.hashStatus,
  };
}

export function makeParentInfo(f: ParentInfo): ParentInfo {
  return { pid: f.pid, name: f.name, executable: f.executable, entityId: f.entityId, sha256: f.sha256 };
}
