// The host's TCP and UDP sockets (IPv4 and IPv6) without their owners: what the kernel's
// socket table says. Two readers share this shape: netlink sock_diag (netlink.ts, the
// default: several times faster than /proc/net on large tables, as bench/snapshot shows)
// and /proc/net/{tcp,tcp6,udp,udp6} (procnet.ts, the fallback when netlink fails).
import type { SocketRow } from './socket-row';
import { openNetlinkSocketTable, type NetlinkSocketTable } from './netlink';
import { readSocketTableProcNet } from './procnet';

export type { SocketRow } from './socket-row';

export type SocketTableMethod = 'netlink' | 'procnet';

/**
 * Reads the socket table. 'netlink' falls back to /proc/net when the netlink socket cannot
 * be used (no libc for koffi, a seccomp policy); 'procnet' forces the text files. Keep one
 * reader across polls: it holds the netlink receive buffer and address cache.
 */
export class SocketTableReader {
  // undefined until first needed; null once libc turned out not to load here.
  private netlink: NetlinkSocketTable | null | undefined;

  read(method: SocketTableMethod = 'netlink'): SocketRow[] {
    if (method === 'netlink') {
      if (this.netlink === undefined) this.netlink = openNetlinkSocketTable() ?? null;
      const rows = this.netlink?.read();
      if (rows !== undefined) return rows;
    }
    return readSocketTableProcNet();
  }
}
