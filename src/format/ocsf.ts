// OCSF Network Activity (class 4001) rendering of a ConnectionEvent, host profile active.
// Reference: OCSF 1.8.0 Network Activity; docs/record.md maps every field.
//
// Choices (the schema leaves them to the producer):
// - Target OCSF 1.8.0, the newest release: it defines everything written here, which older
//   ones do not (the observation point is from 1.7.0, ptid, replacing the deprecated tid,
//   from 1.6.0, community_uid from 1.4.0); the tests validate every kind of record against
//   its files.
// - udp_flow → 1 Open, not 6 Traffic: the record marks the first datagram of a flow (the
//   flow opening, ECS event.type "start"); 6 Traffic is a report with byte counts, which
//   we do not have.
// - A failed connect → 5 Refuse when errno is ECONNREFUSED (111), else 4 Fail.
//   A close with ECONNRESET (104) → 3 Reset.
// - listen → 7 Listen with only dst_endpoint (the listening end is the responder).
// - src_endpoint = initiator, dst_endpoint = responder; observation_point_id says which of
//   the two is this host (1 Source for egress, 2 Destination for ingress, 4 Both when the
//   peer is a loopback address, with direction 4 Local).
// - device.type_id 0 Unknown: the schema requires it, and a sensor cannot tell a server
//   from a desktop.
// - The container profile puts the container on the process (actor.process.container).
// - The name the process resolved the remote address from (a DNS answer) is the remote
//   endpoint's `domain`: dst_endpoint for egress, src_endpoint for an accepted connection.
import { createHash } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { ianaNumber, initiatorAndResponder, type ConnectionEnd, type ConnectionEvent, type Endpoint } from '../core/connection-event';
import { toOcsfDetectionFinding } from './alert-ocsf';
import { CommunityIds } from './community-id';
import type { FormatEnv } from './env';

export const OCSF_VERSION = '1.8.0';
const OCSF_CLASS_UID = 4001;
const OCSF_CATEGORY_UID = 4;

const ECONNRESET = 104;
const ECONNREFUSED = 111;

const ACTIVITY_NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'Open',
  2: 'Close',
  3: 'Reset',
  4: 'Fail',
  5: 'Refuse',
  6: 'Traffic',
  7: 'Listen',
  99: 'Other',
};

/** The OCSF activity_id of an event (see the choices at the top of this file). */
export function ocsfActivityId(ev: ConnectionEvent): number {
  switch (ev.action) {
    case 'listen':
      return 7;
    case 'connection_closed':
      return ev.errno === ECONNRESET ? 3 : 2;
    case 'connection_attempted':
    case 'connection_accepted':
    case 'udp_flow':
      if (ev.outcome !== 'failure') return 1;
      return ev.errno === ECONNREFUSED ? 5 : 4;
  }
}

const STATUS: Record<ConnectionEvent['outcome'], { id: number; name: string }> = {
  unknown: { id: 0, name: 'Unknown' },
  success: { id: 1, name: 'Success' },
  failure: { id: 2, name: 'Failure' },
};

// Errno number → name (ECONNREFUSED …) on this host, for status_detail.
const ERRNO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** The OCSF document of ev (a Detection Finding for an alert); ids is the caller's Community ID hasher. */
export function toOcsf(ev: ConnectionEvent, env: FormatEnv, ids: CommunityIds = new CommunityIds(false)): Record<string, unknown> {
  const activity = toOcsfNetworkActivity(ev, env, ids);
  return ev.alert ? toOcsfDetectionFinding(ev, ev.alert, activity) : activity;
}

function toOcsfNetworkActivity(ev: ConnectionEvent, env: FormatEnv, ids: CommunityIds): Record<string, unknown> {
  const activityId = ocsfActivityId(ev);
  const timeMs = Math.floor(ev.timeUs / 1000);
  const { source, destination } = initiatorAndResponder(ev);
  const egress = ev.direction === 'egress';
  const p = ev.process;
  const status = STATUS[ev.outcome];
  const isLoopback = isLoopbackIp(ev.remote.ip);
  const localName = env.host.name;

  const doc: Record<string, unknown> = {
    class_uid: OCSF_CLASS_UID,
    class_name: 'Network Activity',
    category_uid: OCSF_CATEGORY_UID,
    category_name: 'Network Activity',
    activity_id: activityId,
    activity_name: ACTIVITY_NAMES[activityId],
    type_uid: OCSF_CLASS_UID * 100 + activityId,
    type_name: `Network Activity: ${ACTIVITY_NAMES[activityId]}`,
    severity_id: 1,
    severity: 'Informational',
    time: timeMs,
    ...(ev.action === 'connection_closed' ? { end_time: timeMs } : { start_time: timeMs }),
    ...closeTiming(ev, timeMs),
    status_id: status.id,
    status: status.name,
    ...(ev.errno !== undefined ? { status_code: String(ev.errno), status_detail: ERRNO_NAMES[ev.errno] ?? `errno ${ev.errno}` } : {}),
    metadata: {
      version: OCSF_VERSION,
      uid: eventUid(ev, env),
      product: { name: 'packetTrail', vendor_name: 'packetTrail', version: env.agentVersion },
      profiles: p?.containerId ? ['host', 'container'] : ['host'],
    },
    // Listen has no peer: only the listening (responder) end.
    ...(ev.action === 'listen' ? {} : { src_endpoint: endpoint(source, egress ? localName : undefined, egress ? undefined : ev.domain) }),
    dst_endpoint: endpoint(destination, egress ? undefined : localName, egress ? ev.domain : undefined),
    connection_info: compact({
      protocol_num: ianaNumber(ev.transport),
      protocol_name: ev.transport,
      protocol_ver_id: ev.family === 'ipv4' ? 4 : 6,
      ...direction(egress, isLoopback),
      community_uid: ids.ofEvent(ev),
      ...(isLoopback ? { boundary_id: 1, boundary: 'Localhost' } : {}),
    }),
    ...(ev.action === 'listen' ? {} : { is_src_dst_assignment_known: true }),
    ...(ev.end ? { traffic: traffic(ev.end, egress) } : {}),
    ...observationPoint(egress, isLoopback),
    device: compact({ hostname: env.host.name, ip: env.host.ip || undefined, uid: env.host.id || undefined, type_id: 0, type: 'Unknown' }),
    unmapped: {
      packettrail: compact({
        capture: ev.capture,
        attribution: ev.attribution,
        action: ev.action,
        local: { ip: ev.local.ip, port: ev.local.port },
        remote: { ip: ev.remote.ip, port: ev.remote.port },
        preexisting: ev.preexisting ? true : undefined,
        errno: ev.errno,
        domain_source: ev.domain !== undefined ? 'dns_answer' : undefined,
        process: p?.hashStatus ? { hash_status: p.hashStatus } : undefined,
      }),
    },
  };

  const user = p && (p.uid !== undefined || p.userName) ? compact({ uid: p.uid !== undefined ? String(p.uid) : undefined, name: p.userName }) : undefined;
  if (p) {
    doc.actor = compact({
      process: compact({
        pid: p.pid,
        ptid: ev.tid,
        uid: p.entityId,
        name: p.name,
        cmd_line: p.commandLine,
        created_time: p.startMs,
        file: fileObject(p.executable, p.sha256, p.executableDeleted),
        user,
        container: p.containerId ? { uid: p.containerId } : undefined,
        parent_process: p.parent ? compact({ pid: p.parent.pid, uid: p.parent.entityId, name: p.parent.name, file: fileObject(p.parent.executable, p.parent.sha256) }) : undefined,
      }),
      user,
    });
  }
  return doc;
}

/** OCSF lines of one sink: it owns the Community ID cache. */
export class OcsfLineEncoder {
  private readonly ids = new CommunityIds();

  constructor(private readonly env: FormatEnv) {}

  line(ev: ConnectionEvent): string {
    return JSON.stringify(toOcsf(ev, this.env, this.ids));
  }
}

/** One record's line with nothing kept between calls. */
export function ocsfLine(ev: ConnectionEvent, env: FormatEnv): string {
  return JSON.stringify(toOcsf(ev, env));
}

/** A close's duration (OCSF counts it in milliseconds) and its start, so both ends of the connection are on the record. */
function closeTiming(ev: ConnectionEvent, timeMs: number): { start_time?: number; duration?: number } {
  if (!ev.end) return {};
  const durationMs = Math.round(ev.end.durationNs / 1e6);
  return { start_time: timeMs - durationMs, duration: durationMs };
}

/** OCSF's out is source to destination: the initiator's sending, which for an accepted connection is the peer's. */
function traffic(end: ConnectionEnd, egress: boolean): Record<string, unknown> {
  const out = egress ? { bytes: end.bytesOut, packets: end.packetsOut } : { bytes: end.bytesIn, packets: end.packetsIn };
  const inn = egress ? { bytes: end.bytesIn, packets: end.packetsIn } : { bytes: end.bytesOut, packets: end.packetsOut };
  return compact({
    bytes: out.bytes !== undefined && inn.bytes !== undefined ? out.bytes + inn.bytes : undefined,
    bytes_in: inn.bytes,
    bytes_out: out.bytes,
    packets: out.packets !== undefined && inn.packets !== undefined ? out.packets + inn.packets : undefined,
    packets_in: inn.packets,
    packets_out: out.packets,
  });
}

function direction(egress: boolean, isLoopback: boolean): { direction_id: number; direction: string } {
  if (isLoopback) return { direction_id: 4, direction: 'Local' };
  return egress ? { direction_id: 2, direction: 'Outbound' } : { direction_id: 1, direction: 'Inbound' };
}

function observationPoint(egress: boolean, isLoopback: boolean): { observation_point_id: number; observation_point: string } {
  if (isLoopback) return { observation_point_id: 4, observation_point: 'Both' };
  return egress ? { observation_point_id: 1, observation_point: 'Source' } : { observation_point_id: 2, observation_point: 'Destination' };
}

function endpoint(e: Endpoint, hostname: string | undefined, domain: string | undefined): Record<string, unknown> {
  return compact({ ip: e.ip, port: e.port, hostname, domain });
}

// OCSF's file object requires name and type_id (1 = Regular File); is_deleted says the file
// had been unlinked when the process ran it (written only when true).
function fileObject(path: string | undefined, sha256: string | undefined, deleted?: boolean): Record<string, unknown> | undefined {
  if (!path) return undefined;
  const name = path.slice(path.lastIndexOf('/') + 1) || path;
  const file: Record<string, unknown> = { path, name, type_id: 1, type: 'Regular File' };
  if (sha256 !== undefined) file.hashes = [{ algorithm_id: 3, algorithm: 'SHA-256', value: sha256 }];
  if (deleted) file.is_deleted = true;
  return file;
}

// Deterministic per event, so a re-sent record keeps its id (receivers can de-duplicate).
function eventUid(ev: ConnectionEvent, env: FormatEnv): string {
  const h = createHash('sha256')
    .update([env.host.id, ev.timeUs, ev.action, ev.transport, ev.local.ip, ev.local.port, ev.remote.ip, ev.remote.port, ev.process?.pid ?? ''].join('|'))
    .digest('hex');
  // UUID-shaped (version nibble 5-like), as OCSF consumers commonly expect for uid.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function isLoopbackIp(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
