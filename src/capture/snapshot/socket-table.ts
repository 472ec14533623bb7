// The host's TCP and UDP sockets (IPv4 and IPv6) without their owners: what the kernel's
// socket table says. Two readers share this shape: netlink sock_diag (netlink.ts, the
// default: several times faster than /proc/net on large tables, as bench/snapshot shows)
// and /proc/net/{tcp,tcp6,udp,udp6} (procnet.ts, the fallback when netlink fails).
import type { SocketRow } from './socket-row';
import { readSocketTableNetlink } from './netlink';
import { readSocketTableProcNet } from './procnet';

export type { SocketRow } from './socket-row';

export type SocketTableMethod = 'netlink' | 'procnet';

/**
 * Reads the socket table. 'netlink' falls back to /proc/net when the netlink socket cannot
 * be used (no libc for koffi, a seccomp policy); 'procnet' forces the text files.
 */
export function readSocketTable(method: SocketTableMethod = 'netlink'): SocketRow[] {
  if (method === 'netlink') {
    const rows = readSocketTableNetlink();
    if (rows !== undefined) return rows;
  }
  return readSocketTableProcNet();
}
