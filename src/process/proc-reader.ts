// One process's attribution data from /proc. Never throws: a process that exits or refuses
// access while being read yields undefined (gone before stat) or partial data.
import type { ParentInfo, ProcessInfo } from '../core/connection-event';
import { makeParentInfo, makeProcessInfo } from '../core/process-info';
import { containerIdFromCgroup } from './container';
import { EntityIds } from './entity-id';
import { readLink, readProcText, USER_HZ, type ProcFileReader } from './proc-files';
import { cleanExePath, isDeletedExeLink, parseCmdline, parseStat, parseStatusUid } from './proc-stat';
import type { UserNames } from './users';

export interface ProcEnv {
  hostId: string;
  bootTimeMs: number;
  users: UserNames;
  procRoot?: string | undefined;
  /** This host's entity ids; a reader without one makes one per call (one hash of the host id). */
  entityIds?: EntityIds;
  /** A reader that keeps its buffer, for a caller that reads /proc often; one-off reads without. */
  files?: ProcFileReader;
}

function readText(env: ProcEnv, path: string, encoding?: BufferEncoding): string | undefined {
  return env.files ? env.files.text(path, encoding) : readProcText(path, encoding);
}

function entityIdsOf(env: ProcEnv): EntityIds {
  return env.entityIds ?? new EntityIds(env.hostId);
}

export function startMsFromTicks(bootTimeMs: number, startTicks: number): number {
  return bootTimeMs + Math.round((startTicks * 1000) / USER_HZ);
}

/** Parent's pid, name, executable and entity id; pid only if it cannot be read. */
function readParentInfo(ppid: number, env: ProcEnv): ParentInfo {
  const root = env.procRoot ?? '/proc';
  if (ppid <= 0) return makeParentInfo({ pid: ppid });
  const st = readText(env, `${root}/${ppid}/stat`);
  const stat = st === undefined ? undefined : parseStat(st);
  const exe = readLink(`${root}/${ppid}/exe`);
  return makeParentInfo({
    pid: ppid,
    name: stat?.comm,
    executable: exe !== undefined ? cleanExePath(exe) : undefined,
    entityId: stat ? entityIdsOf(env).of(ppid, stat.startTicks) : undefined,
  });
}

/** Everything but the parent (callers that batch parents, like the snapshot, add it). */
function readProcessInfoNoParent(pid: number, env: ProcEnv): { info: ProcessInfo; ppid: number } | undefined {
  const root = env.procRoot ?? '/proc';
  const dir = `${root}/${pid}`;
  const st = readText(env, `${dir}/stat`);
  const stat = st === undefined ? undefined : parseStat(st);
  if (!stat) return undefined;
  const exe = readLink(`${dir}/exe`);
  const cmd = readText(env, `${dir}/cmdline`);
  const args = cmd !== undefined && cmd !== '' ? parseCmdline(cmd) : undefined;
  const status = readText(env, `${dir}/status`, 'latin1');
  const uid = status === undefined ? undefined : parseStatusUid(status);
  const cg = readText(env, `${dir}/cgroup`, 'latin1');
  const info = makeProcessInfo({
    pid,
    name: stat.comm,
    executable: exe !== undefined ? cleanExePath(exe) : undefined,
    executableDeleted: exe !== undefined && isDeletedExeLink(exe) ? true : undefined,
    commandLine: args?.join(' '),
    args,
    startTicks: stat.startTicks,
    startMs: startMsFromTicks(env.bootTimeMs, stat.startTicks),
    entityId: entityIdsOf(env).of(pid, stat.startTicks),
    uid,
    userName: uid !== undefined ? env.users.name(uid) : undefined,
    containerId: cg === undefined ? undefined : containerIdFromCgroup(cg),
  });
  return { info, ppid: stat.ppid };
}

/**
 * The process as /proc shows it now, with its parent; undefined if it is gone. `parents`
 * lets a caller reading many processes at once (a snapshot) read each parent only once.
 */
export function readProcessInfo(pid: number, env: ProcEnv, parents?: Map<number, ParentInfo>): ProcessInfo | undefined {
  const r = readProcessInfoNoParent(pid, env);
  if (!r) return undefined;
  if (r.ppid > 0) {
    let parent = parents?.get(r.ppid);
    if (!parent) {
      parent = readParentInfo(r.ppid, env);
      parents?.set(r.ppid, parent);
    }
    return makeProcessInfo({ ...r.info, parent });
  }
  return r.info;
}
