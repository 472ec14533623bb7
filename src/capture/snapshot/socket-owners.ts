// Which processes hold each socket: every /proc/PID/fd link "socket:[INODE]". This is the
// expensive half of a snapshot (one readlink per open file on the host), so it does the
// least work per fd: no regex, no per-fd allocation beyond the link string, and a process
// that exits or refuses access mid-scan is skipped (the original aborted its whole loop).
import fs from 'node:fs';

export interface OwnerScanStats {
  processes: number;
  /** Processes whose fd directory vanished or refused access while scanning. */
  skipped: number;
  fds: number;
}

/**
 * inode → owning pids (ascending, no duplicates) for the inodes in `wanted`. A socket shared
 * by several processes (fork, SCM_RIGHTS) lists all of them.
 */
export function findSocketOwners(
  wanted: ReadonlySet<number>,
  procRoot = '/proc',
  stats?: OwnerScanStats,
  /** Stop once every wanted socket has an owner (the poll tier records only the first). */
  firstOwnerOnly = false,
): Map<number, number[]> {
  const owners = new Map<number, number[]>();
  let names: string[];
  try {
    names = fs.readdirSync(procRoot);
  } catch {
    return owners;
  }
  const pids: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(n));
  }
  // New sockets mostly belong to young (high-pid) processes: look there first when one owner will do.
  pids.sort(firstOwnerOnly ? (a, b) => b - a : (a, b) => a - b);
  for (const pid of pids) {
    if (firstOwnerOnly && owners.size === wanted.size) break;
    const dir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = fs.readdirSync(dir);
    } catch {
      if (stats) stats.skipped++;
      continue;
    }
    if (stats) {
      stats.processes++;
      stats.fds += fds.length;
    }
    const base = `${dir}/`;
    for (let i = 0; i < fds.length; i++) {
      let link: string;
      try {
        link = fs.readlinkSync(base + fds[i]);
      } catch {
        continue; // fd closed since readdir, or the process is gone
      }
      // "socket:[12345]"
      if (link.charCodeAt(0) !== 115 || link.charCodeAt(6) !== 58 || !link.startsWith('socket:[')) continue;
      const inode = Number(link.slice(8, -1));
      if (!wanted.has(inode)) continue;
      const list = owners.get(inode);
      if (list === undefined) owners.set(inode, [pid]);
      else if (list[list.length - 1] !== pid) list.push(pid);
    }
  }
  return owners;
}
