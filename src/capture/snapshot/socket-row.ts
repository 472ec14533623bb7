// One socket as the kernel's socket table shows it, without its owner: the shape both table
// readers (netlink and /proc/net) produce. A leaf module, so the readers and the module that
// chooses between them import it without importing each other.
import type { Endpoint, IpFamily, Transport } from '../../core/connection-event';
import { tcpStateName } from '../../core/tcp-state';

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

/** The state text `ss` prints: TCP state names; UDP sockets are connected or not. */
export function stateName(transport: Transport, state: number): string {
  if (transport === 'udp') return state === 1 ? 'ESTAB' : 'UNCONN';
  // 0 is not a kernel state; the kernel's table starts at ESTABLISHED = 1.
  if (state === 0) return 'UNKNOWN';
  return tcpStateName(state) ?? `STATE_${state}`;
}
