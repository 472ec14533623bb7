// `packettrail snapshot` and the poll tier: every TCP/UDP socket now, with its owners.
import type { ParentInfo, ProcessInfo } from '../../core/connection-event';
import { readLink, readProcText } from '../../process/proc-files';
import { readProcessInfo } from '../../process/proc-reader';
import { cleanExePath, parseStat } from '../../process/proc-stat';
import type { UserNames } from '../../process/users';
import { findSocketOwners, type OwnerScanStats } from './socket-owners';
import { SocketTableReader, type SocketRow, type SocketTableMethod } from './socket-table';

export { SocketTableReader } from './socket-table';

export interface SnapshotEntry extends SocketRow {
  /** Every process holding the socket, by pid; empty if none was found (TIME_WAIT, other pid namespaces, exited). */
  owners: ProcessInfo[];
}

export interface SnapshotEnv {
  hostId: string;
  bootTimeMs: number;
  users: UserNames;
  /** Keeps process info across polls, keyed by pid + start time (pass the same object each poll). */
  cache?: SnapshotProcessCache;
  /** Defaults to 'netlink' (falls back to /proc/net by itself). */
  method?: SocketTableMethod;
  /** Reads the kernel's socket table (pass the same object each poll to reuse its buffers). */
  socketTable?: SocketTableReader;
  procRoot?: string;
  /** Filled with scan counters when given. */
  stats?: SnapshotStats;
  /**
   * Owners of the previous poll's sockets, by inode (pass the same object each poll): only
   * sockets not seen before are looked up, and when there are none the /proc fd scan — the
   * expensive half — is skipped, so an idle host costs one netlink dump per poll.
   */
  ownerMemory?: Map<number, ProcessInfo[]>;
}

interface SnapshotStats extends OwnerScanStats {
  sockets: number;
  ownerProcesses: number;
  cacheHits: number;
}

/**
 * Process info of the previous polls. A hit needs the same pid, start time, comm and
 * executable (exec keeps pid and start time, so those two alone would miss an exec).
 */
export class SnapshotProcessCache {
  private entries = new Map<number, ProcessInfo>();

  get(pid: number, startTicks: number, comm: string, exe: string | undefined): ProcessInfo | undefined {
    const e = this.entries.get(pid);
    if (!e || e.startTicks !== startTicks || e.name !== comm || e.executable !== exe) return undefined;
    return e;
  }

  set(info: ProcessInfo): void {
    this.entries.set(info.pid, info);
  }

  /** Forgets processes that owned no socket in the last snapshot. */
  retainOnly(pids: ReadonlySet<number>): void {
    for (const pid of this.entries.keys()) if (!pids.has(pid)) this.entries.delete(pid);
  }

  get size(): number {
    return this.entries.size;
  }
}

function ownerInfo(pid: number, env: SnapshotEnv, parents: Map<number, ParentInfo>, stats: SnapshotStats): ProcessInfo | undefined {
  const root = env.procRoot ?? '/proc';
  if (env.cache) {
    const st = readProcText(`${root}/${pid}/stat`);
    const stat = st === undefined ? undefined : parseStat(st);
    if (!stat) return undefined;
    const exeLink = readLink(`${root}/${pid}/exe`);
    const hit = env.cache.get(pid, stat.startTicks, stat.comm, exeLink === undefined ? undefined : cleanExePath(exeLink));
    if (hit) {
      stats.cacheHits++;
      return hit;
    }
  }
  // Siblings (workers forked from one parent) share one parent read.
  const info = readProcessInfo(pid, env, parents);
  if (!info) return undefined;
  env.cache?.set(info);
  return info;
}

/**
 * Every TCP and UDP socket (IPv4, IPv6; all states) with the processes that hold it. Never
 * throws. Owner ProcessInfo objects are shared between entries (and polls, with a cache):
 * treat them as read-only.
 */
export function takeSnapshot(env: SnapshotEnv): SnapshotEntry[] {
  const stats: SnapshotStats = env.stats ?? { sockets: 0, ownerProcesses: 0, cacheHits: 0, processes: 0, skipped: 0, fds: 0 };
  const rows = (env.socketTable ?? new SocketTableReader()).read(env.method ?? 'netlink');
  stats.sockets = rows.length;
  const memory = env.ownerMemory;
  const wanted = new Set<number>();
  for (const r of rows) if (r.inode !== 0 && !memory?.has(r.inode)) wanted.add(r.inode);
  const owners = wanted.size === 0 ? new Map<number, number[]>() : findSocketOwners(wanted, env.procRoot ?? '/proc', stats, memory !== undefined);

  // Full process info only for pids that own a socket, once each.
  const infos = new Map<number, ProcessInfo | undefined>();
  const parents = new Map<number, ParentInfo>();
  for (const pids of owners.values()) {
    for (const pid of pids) if (!infos.has(pid)) infos.set(pid, ownerInfo(pid, env, parents, stats));
  }
  stats.ownerProcesses = infos.size;
  if (!memory) env.cache?.retainOnly(new Set(infos.keys()));

  const out: SnapshotEntry[] = new Array(rows.length);
  const nextMemory = memory ? new Map<number, ProcessInfo[]>() : undefined;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as SnapshotEntry;
    let list = r.inode === 0 ? undefined : memory?.get(r.inode);
    if (list === undefined) {
      list = [];
      const pids = r.inode === 0 ? undefined : owners.get(r.inode);
      if (pids) {
        for (const pid of pids) {
          const info = infos.get(pid);
          if (info) list.push(info);
        }
      }
    }
    if (nextMemory && r.inode !== 0) nextMemory.set(r.inode, list);
    r.owners = list;
    out[i] = r;
  }
  if (memory && nextMemory) {
    // Forget sockets that closed: the memory is as large as the socket table, no larger.
    memory.clear();
    for (const [k, v] of nextMemory) memory.set(k, v);
  }
  return out;
}
