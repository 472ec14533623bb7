// The host's TCP and UDP sockets (IPv4 and IPv6) without their owners: what the kernel's
// socket table says. Two readers share this shape: netlink sock_diag (snapshot-netlink.ts,
// the default: measured 5-6x faster than /proc/net at 20,000 sockets — see bench/snapshot)
// and /proc/net/{tcp,tcp6,udp,udp6} (snapshot-procnet.ts, the fallback when netlink fails).
import type { Endpoint, IpFamily, Transport } from '../../core/connection-event';
import { readSocketTableNetlink } from './netlink';
import { readSocketTableProcNet } from './procnet';

export interface SocketRow {
  transport: Transport;
  family: IpFamily;
  /** TCP: ESTABLISHED, LISTEN, SYN_SENT, …; UDP: ESTAB (connected) or UNCONN, as ss. */
  state: string;
  local: Endpoint;
  remote: Endpoint;
  /** Socket inode; 0 for sockets no file refers to (TIME_WAIT, request sockets). */
  inode: number;
  uid: number;
}

export type SocketTableMethod = 'netlink' | 'procnet';

/** Kernel TCP states (include/net/tcp_states.h), indexed by number. */
const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

export function stateName(transport: Transport, state: number): string {
  if (transport === 'udp') return state === 1 ? 'ESTAB' : 'UNCONN';
  return TCP_STATES[state] ?? `STATE_${state}`;
}

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
