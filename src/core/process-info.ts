// ProcessInfo and ParentInfo objects built in one place, with every field present (absent
// ones undefined) in one order: they all share one hidden class. The encoders and the
// pipeline read them for every record; with one shape those reads stay monomorphic, and a
// new kind of source object (exec, fork, /proc, a rename) no longer deoptimises them in the
// middle of a busy sensor.
import type { ParentInfo, ProcessInfo } from './connection-event';

export function makeProcessInfo(f: ProcessInfo): ProcessInfo {
  return {
    pid: f.pid,
    name: f.name,
    executable: f.executable,
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
  };
}

export function makeParentInfo(f: ParentInfo): ParentInfo {
  return { pid: f.pid, name: f.name, executable: f.executable, entityId: f.entityId };
}
