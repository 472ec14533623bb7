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

/**
 * TCP states of a connection that is live now, the only ones a snapshot taken without an
 * earlier one to compare against may report as a connection (the reconciliation snapshot,
 * the poll tier's first pass). A socket after its FIN (FIN_WAIT1/2, CLOSE_WAIT, CLOSING,
 * LAST_ACK, TIME_WAIT, CLOSE) is a connection that is ending or has ended, often before the
 * sensor started, and TIME_WAIT has no owner left, so it would read as a new connection of an
 * unknown process. SYN_SENT stays: a connect in progress is a connection attempt the tier may
 * have missed, with its owner still holding the socket. SYN_RECV stays: it is the same key as
 * the ESTABLISHED socket it becomes, so a poll that skipped it would never report that one.
 */
const LIVE_TCP_STATES: ReadonlySet<string> = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'NEW_SYN_RECV', 'LISTEN']);

/** True for a socket a snapshot reports as a connection or listen: UDP always, TCP when live. */
export function isLiveForRecords(row: Pick<SocketRow, 'transport' | 'state'>): boolean {
  return row.transport === 'udp' || LIVE_TCP_STATES.has(row.state);
}
