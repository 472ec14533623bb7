// What the host is known to have done, as the store keeps it and the detectors learn it: the
// pairs a program reached (or served) and the ports it listened on.
import type { Direction } from './connection-event';

export interface KnownPair {
  readonly exe: string;
  readonly remoteIp: string;
  /** The service port: the remote port for egress, the local port for an accepted connection. */
  readonly remotePort: number;
  readonly direction: Direction;
}

export interface KnownListener {
  readonly exe: string;
  readonly port: number;
}
