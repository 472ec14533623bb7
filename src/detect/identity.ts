// How detectors name things: a program by its executable (the name when the path is unknown),
// one process lifetime by its entity id (the pid when there is none), and which records
// count as which kind of activity.
import type { ConnectionEvent, ProcessInfo } from '../core/connection-event';

export function executableOf(p: ProcessInfo | undefined): string {
  if (!p) return '';
  return p.executable || p.name;
}

export function processKey(pid: number, entityId: string | undefined): string {
  return entityId ? entityId : `pid:${pid}`;
}

/** This host reaching out: a TCP connect (whatever its outcome) or the first datagram of a UDP flow. */
export function isEgressContact(ev: ConnectionEvent): boolean {
  return ev.direction === 'egress' && (ev.action === 'connection_attempted' || ev.action === 'udp_flow');
}

export function isIngressAccept(ev: ConnectionEvent): boolean {
  return ev.direction === 'ingress' && ev.action === 'connection_accepted';
}

export function isListen(ev: ConnectionEvent): boolean {
  return ev.action === 'listen';
}
