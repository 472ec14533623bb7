// Turns socket-table snapshot rows into connection records: the shared step of the poll tier
// and of the reconciliation snapshot that kernel tiers take at start and after a loss.
import type { Building } from '../../core/building';
import type { CaptureTier, ConnectionEvent } from '../../core/connection-event';
import type { SnapshotEntry } from './snapshot';

/** One key per connection whatever its TCP state, so a state change is not a new record. */
export function connectionKey(e: Pick<SnapshotEntry, 'transport' | 'local' | 'remote'>): string {
  return `${e.transport} ${e.local.ip} ${e.local.port} ${e.remote.ip} ${e.remote.port}`;
}

/** Local ports that listen (TCP LISTEN), per family-less address, for direction. */
export function listeningPorts(entries: SnapshotEntry[]): Set<string> {
  const s = new Set<string>();
  for (const e of entries) if (e.transport === 'tcp' && e.state === 'LISTEN') s.add(`${e.local.ip} ${e.local.port}`);
  return s;
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '*';
}

function isListenedOn(listening: Set<string>, e: SnapshotEntry): boolean {
  const p = e.local.port;
  return listening.has(`${e.local.ip} ${p}`) || listening.has(`0.0.0.0 ${p}`) || listening.has(`:: ${p}`);
}

/**
 * The record for a socket row, or undefined for rows that are not a connection. Closing TCP
 * states are still records here (`snapshot --json` shows every socket); a caller without an
 * earlier snapshot to compare against filters rows with `isLiveForRecords` first.
 */
export function entryToEvent(e: SnapshotEntry, listening: Set<string>, timeUs: number, tier: CaptureTier, preexisting: boolean): ConnectionEvent | undefined {
  const kind = classify(e, listening);
  if (!kind) return undefined;
  const owner = e.owners[0];
  // One literal (no spreads): `snapshot --json` builds one of these per socket.
  const ev: Building<ConnectionEvent> = {
    timeUs,
    action: kind.action,
    outcome: kind.outcome,
    transport: e.transport,
    family: e.family,
    direction: kind.direction,
    local: e.local,
    remote: e.remote,
    capture: tier,
    attribution: owner ? 'socket-owner' : 'unknown',
  };
  if (owner) ev.process = owner;
  if (preexisting) ev.preexisting = true;
  return ev;
}

type Kind = Pick<ConnectionEvent, 'action' | 'outcome' | 'direction'>;
const LISTEN: Kind = { action: 'listen', outcome: 'success', direction: 'ingress' };
const UDP_FLOW: Kind = { action: 'udp_flow', outcome: 'success', direction: 'egress' };
const ACCEPTED: Kind = { action: 'connection_accepted', outcome: 'success', direction: 'ingress' };
const CONNECTED: Kind = { action: 'connection_attempted', outcome: 'success', direction: 'egress' };
const CONNECTING: Kind = { action: 'connection_attempted', outcome: 'unknown', direction: 'egress' };

/**
 * What a socket row is, or undefined for rows that are not a connection. Closing TCP states
 * of sockets we never saw are still connections: they prove one happened.
 */
function classify(e: SnapshotEntry, listening: Set<string>): Kind | undefined {
  const unconnected = isWildcard(e.remote.ip) && e.remote.port === 0;
  if (e.transport === 'udp') return unconnected ? LISTEN : UDP_FLOW;
  if (e.state === 'LISTEN') return LISTEN;
  if (unconnected || e.state === 'CLOSE') return undefined;
  if (isListenedOn(listening, e)) return ACCEPTED;
  return e.state === 'SYN_SENT' ? CONNECTING : CONNECTED;
}
