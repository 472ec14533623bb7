// The readable ECS rendering of a ConnectionEvent (field names are normative): one object
// built field by field. It is the reference the fast paths (EcsLineEncoder, EcsByteEncoder)
// are tested against, and the path alerts take (they are rare, and carry more fields).
import { ianaNumber, initiatorAndResponder, type ConnectionEvent } from '../core/connection-event';
import { addEcsAlertFields } from './alert-ecs';
import { CommunityIds } from './community-id';
import type { FormatEnv } from './env';
import { isoMicros } from './timestamp';

export const EVENT_TYPE: Readonly<Record<ConnectionEvent['action'], readonly string[]>> = {
  connection_attempted: ['start', 'connection'],
  connection_accepted: ['start', 'connection'],
  udp_flow: ['start', 'connection'],
  listen: ['info'],
  connection_closed: ['end', 'connection'],
};

/** The ECS document of ev; ids is the caller's Community ID hasher (a fresh one when absent). */
export function toEcs(ev: ConnectionEvent, env: FormatEnv, ids: CommunityIds = new CommunityIds(false)): Record<string, unknown> {
  const { source, destination } = initiatorAndResponder(ev);
  const p = ev.process;
  // The domain names the remote end: the destination of an outgoing connection, the source of an accepted one.
  const domain = ev.domain;
  const egress = ev.direction === 'egress';
  const counts = endCounts(ev);
  const doc: Record<string, unknown> = {
    '@timestamp': isoMicros(ev.timeUs),
    event: {
      kind: 'event',
      category: ['network'],
      type: [...EVENT_TYPE[ev.action]],
      action: ev.action,
      outcome: ev.outcome,
      module: 'packettrail',
      dataset: 'packettrail.connection',
      ...(ev.end ? { duration: ev.end.durationNs } : {}),
    },
    network: {
      transport: ev.transport,
      type: ev.family,
      iana_number: String(ianaNumber(ev.transport)),
      direction: ev.direction,
      community_id: ids.ofEvent(ev),
      ...counts.network,
    },
    // A listening socket has no peer: it is only the destination end.
    ...(ev.action === 'listen' ? {} : { source: { ip: source.ip, port: source.port, ...(domain !== undefined && !egress ? { domain } : {}), ...counts.source } }),
    destination: { ip: destination.ip, port: destination.port, ...(domain !== undefined && egress ? { domain } : {}), ...counts.destination },
    host: { name: env.host.name, hostname: env.host.name, id: env.host.id, ip: env.host.ips },
    agent: { name: 'packetTrail', type: 'packettrail', version: env.agentVersion },
    ecs: { version: '8.11.0' },
    related: { ip: relatedIps(ev) },
    packettrail: {
      capture: ev.capture,
      attribution: ev.attribution,
      local: { ip: ev.local.ip, port: ev.local.port },
      remote: { ip: ev.remote.ip, port: ev.remote.port },
      ...(ev.preexisting ? { preexisting: true } : {}),
      ...(ev.tid !== undefined ? { tid: ev.tid } : {}),
      ...(ev.errno !== undefined ? { errno: ev.errno } : {}),
      // ECS has no field for an unlinked executable nor for why a hash is missing.
      ...(p?.executableDeleted || p?.hashStatus
        ? { process: { ...(p.executableDeleted ? { executable_deleted: true } : {}), ...(p.hashStatus ? { hash_status: p.hashStatus } : {}) } }
        : {}),
      ...(domain !== undefined ? { domain_source: 'dns_answer' } : {}),
    },
  };
  if (p) {
    doc.process = compact({
      pid: p.pid,
      name: p.name,
      executable: p.executable,
      command_line: p.commandLine,
      args: p.args,
      start: p.startMs !== undefined ? new Date(p.startMs).toISOString() : undefined,
      entity_id: p.entityId,
      hash: p.sha256 !== undefined ? { sha256: p.sha256 } : undefined,
      parent: p.parent
        ? compact({
            pid: p.parent.pid,
            name: p.parent.name,
            executable: p.parent.executable,
            entity_id: p.parent.entityId,
            hash: p.parent.sha256 !== undefined ? { sha256: p.parent.sha256 } : undefined,
          })
        : undefined,
    });
    if (p.uid !== undefined) doc.user = compact({ id: String(p.uid), name: p.userName });
    if (p.containerId) doc.container = { id: p.containerId };
  }
  if (domain !== undefined) doc.dns = { question: { name: domain } };
  if (ev.alert) addEcsAlertFields(doc, ev.alert);
  return doc;
}

interface Counts {
  bytes?: number | undefined;
  packets?: number | undefined;
}

/**
 * A close's counters as ECS places them: source is the initiator, so what an accepted
 * connection received is what its source sent. network.* is both ways together, present only
 * when both ways are known.
 */
function endCounts(ev: ConnectionEvent): { source: Counts; destination: Counts; network: Counts } {
  const end = ev.end;
  if (!end) return { source: {}, destination: {}, network: {} };
  const out: Counts = compact({ bytes: end.bytesOut, packets: end.packetsOut });
  const inn: Counts = compact({ bytes: end.bytesIn, packets: end.packetsIn });
  const egress = ev.direction === 'egress';
  const network: Counts = compact({
    bytes: end.bytesOut !== undefined && end.bytesIn !== undefined ? end.bytesOut + end.bytesIn : undefined,
    packets: end.packetsOut !== undefined && end.packetsIn !== undefined ? end.packetsOut + end.packetsIn : undefined,
  });
  return egress ? { source: out, destination: inn, network } : { source: inn, destination: out, network };
}

function relatedIps(ev: ConnectionEvent): string[] {
  return unique([ev.local.ip, ev.remote.ip].filter((ip) => ip !== '0.0.0.0' && ip !== '::'));
}

function compact<T extends object>(o: T): T {
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
  return o;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
