// ECS JSON rendering of a ConnectionEvent (DESIGN.md §4; field names are normative).
import { ianaNumber, initiatorAndResponder, type ConnectionEvent, type ProcessInfo } from '../core/connection-event';
import type { HostInfo } from '../core/context';
import { BoundedCache } from './bounded-cache';
import { connectionCommunityId } from './community-id';
import { isoMicros, isoMillis } from './timestamp';

export interface FormatEnv {
  host: HostInfo;
  agentVersion: string;
}

const EVENT_TYPE: Record<ConnectionEvent['action'], string[]> = {
  connection_attempted: ['start', 'connection'],
  connection_accepted: ['start', 'connection'],
  udp_flow: ['start', 'connection'],
  listen: ['info'],
  connection_closed: ['end', 'connection'],
};

export function eventCommunityId(ev: ConnectionEvent): string | undefined {
  if (ev.action === 'listen') return undefined;
  const egress = ev.direction === 'egress';
  const source = egress ? ev.local : ev.remote;
  const destination = egress ? ev.remote : ev.local;
  const proto = ianaNumber(ev.transport);
  const sport = source.port;
  const dport = destination.port;
  // Both ends of a local connection (connect and accept) and every sink ask for the same flow:
  // remember recent answers instead of hashing again. Nested maps, not one joined string key:
  // building and hashing that string cost several times the three lookups.
  // The ports key is exact only for ports 0-65535 (communityId masks others): no cache for those.
  const flows = proto === 6 ? tcpFlowIds : udpFlowIds;
  const cacheable = (sport & 0xffff) === sport && (dport & 0xffff) === dport;
  const ports = (sport << 16) | dport;
  let id = cacheable ? flows.get(source.ip)?.get(destination.ip)?.get(ports) : undefined;
  if (id === undefined) {
    id = connectionCommunityId(proto, source.ip, destination.ip, sport, dport);
    if (id !== undefined && cacheable) rememberFlowId(flows, source.ip, destination.ip, ports, id);
  }
  return id;
}

// Recent Community IDs by transport, then source address, destination address and ports.
type FlowIds = Map<string, Map<string, Map<number, string>>>;
const FLOW_IDS_MAX = 4096;
const tcpFlowIds: FlowIds = new Map();
const udpFlowIds: FlowIds = new Map();
let flowIdCount = 0;

function rememberFlowId(flows: FlowIds, saddr: string, daddr: string, ports: number, id: string): void {
  if (flowIdCount >= FLOW_IDS_MAX) {
    tcpFlowIds.clear();
    udpFlowIds.clear();
    flowIdCount = 0;
  }
  let bySource = flows.get(saddr);
  if (bySource === undefined) flows.set(saddr, (bySource = new Map()));
  let byPorts = bySource.get(daddr);
  if (byPorts === undefined) bySource.set(daddr, (byPorts = new Map()));
  byPorts.set(ports, id);
  flowIdCount++;
}

export function toEcs(ev: ConnectionEvent, env: FormatEnv): Record<string, unknown> {
  const { source, destination } = initiatorAndResponder(ev);
  const p = ev.process;
  const doc: Record<string, unknown> = {
    '@timestamp': isoMicros(ev.timeUs),
    event: {
      kind: 'event',
      category: ['network'],
      type: EVENT_TYPE[ev.action],
      action: ev.action,
      outcome: ev.outcome,
      module: 'packettrail',
      dataset: 'packettrail.connection',
    },
    network: {
      transport: ev.transport,
      type: ev.family,
      iana_number: String(ianaNumber(ev.transport)),
      direction: ev.direction,
      community_id: eventCommunityId(ev),
    },
    // A listening socket has no peer: it is only the destination end.
    ...(ev.action === 'listen' ? {} : { source: { ip: source.ip, port: source.port } }),
    destination: { ip: destination.ip, port: destination.port },
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
      parent: p.parent ? compact({ pid: p.parent.pid, name: p.parent.name, executable: p.parent.executable, entity_id: p.parent.entityId }) : undefined,
    });
    if (p.uid !== undefined) doc.user = compact({ id: String(p.uid), name: p.userName });
    if (p.containerId) doc.container = { id: p.containerId };
  }
  return doc;
}

/**
 * The same document as JSON.stringify(toEcs(ev, env)), written straight to a string: the file
 * and network sinks format every record, and building the object first doubled the cost.
 */
export function ecsLine(ev: ConnectionEvent, env: FormatEnv): string {
  // initiatorAndResponder without its object: this runs for every record.
  const egress = ev.direction === 'egress';
  const source = egress ? ev.local : ev.remote;
  const destination = egress ? ev.remote : ev.local;
  const cid = eventCommunityId(ev);
  // Addresses and the Community ID come from our own code (digits, hex, ':', '.', base64): no escaping.
  let out =
    '{"@timestamp":"' + isoMicros(ev.timeUs) + eventAndNetworkHead(ev) +
    (cid !== undefined ? ',"community_id":"' + cid + '"}' : '}') +
    (ev.action === 'listen' ? '' : ',"source":{"ip":"' + source.ip + '","port":' + source.port + '}') +
    ',"destination":{"ip":"' + destination.ip + '","port":' + destination.port + '}' +
    envJson(env) +
    ',"related":{"ip":' + relatedIpsJson(ev.local.ip, ev.remote.ip) + '}' +
    ',"packettrail":{"capture":"' + ev.capture + '","attribution":"' + ev.attribution +
    '","local":{"ip":"' + ev.local.ip + '","port":' + ev.local.port +
    '},"remote":{"ip":"' + ev.remote.ip + '","port":' + ev.remote.port + '}' +
    (ev.preexisting ? ',"preexisting":true' : '') +
    (ev.tid !== undefined ? ',"tid":' + ev.tid : '') +
    (ev.errno !== undefined ? ',"errno":' + ev.errno : '') +
    '}';
  const p = ev.process;
  if (p) out += processJson(p);
  return out + '}';
}

/**
 * From the end of @timestamp's value to network.direction: the same for every record with the
 * same action, outcome, transport, family and direction, so made once per combination.
 */
export function eventAndNetworkHead(ev: Combo): string {
  const i = comboIndex(ev);
  return (i >= 0 ? HEADS[i] : undefined) ?? buildHead(ev);
}

function buildHead(ev: Combo): string {
  return (
    `","event":{"kind":"event","category":["network"],"type":${EVENT_TYPE_JSON[ev.action]},` +
    `"action":"${ev.action}","outcome":"${ev.outcome}","module":"packettrail","dataset":"packettrail.connection"},` +
    `"network":{"transport":"${ev.transport}","type":"${ev.family}","iana_number":"${ianaNumber(ev.transport)}","direction":"${ev.direction}"`
  );
}

type Combo = Pick<ConnectionEvent, 'action' | 'outcome' | 'transport' | 'family' | 'direction'>;
const ACTIONS = Object.keys(EVENT_TYPE) as ConnectionEvent['action'][];
const OUTCOMES: ConnectionEvent['outcome'][] = ['success', 'failure', 'unknown'];
const TRANSPORTS: ConnectionEvent['transport'][] = ['tcp', 'udp'];
const FAMILIES: ConnectionEvent['family'][] = ['ipv4', 'ipv6'];
const DIRECTIONS: ConnectionEvent['direction'][] = ['egress', 'ingress'];

/** Position of the event's combination in HEADS, or -1 for a value outside the types. */
function comboIndex(ev: Combo): number {
  const a = ACTIONS.indexOf(ev.action);
  const o = OUTCOMES.indexOf(ev.outcome);
  const t = TRANSPORTS.indexOf(ev.transport);
  const f = FAMILIES.indexOf(ev.family);
  const d = DIRECTIONS.indexOf(ev.direction);
  if (a < 0 || o < 0 || t < 0 || f < 0 || d < 0) return -1;
  return (((a * OUTCOMES.length + o) * TRANSPORTS.length + t) * FAMILIES.length + f) * DIRECTIONS.length + d;
}

/** JSON of related.ip: local and remote, without wildcards or a repeat (as relatedIps). */
function relatedIpsJson(local: string, remote: string): string {
  const l = local !== '0.0.0.0' && local !== '::';
  const r = remote !== '0.0.0.0' && remote !== '::' && remote !== local;
  if (l) return r ? '["' + local + '","' + remote + '"]' : '["' + local + '"]';
  return r ? '["' + remote + '"]' : '[]';
}

// A process's part of the record is the same for all its connections, and ProcessInfo objects
// are never changed once published (the process table replaces them): serialise each once.
// A small Map cleared when full, not a WeakMap: most short-lived processes are formatted once,
// and thousands of weak entries a second cost the garbage collector more than they save.
const PROCESS_CACHE_MAX = 1024;
const processCache = new BoundedCache<ProcessInfo, string>(PROCESS_CACHE_MAX);
function processJson(p: ProcessInfo): string {
  let out = processCache.get(p);
  if (out !== undefined) return out;
  const q = JSON.stringify;
  out = `,"process":{"pid":${p.pid},"name":${quoted(p.name)}`;
  if (p.executable !== undefined) out += `,"executable":${quoted(p.executable)}`;
  if (p.commandLine !== undefined) out += `,"command_line":${quoted(p.commandLine)}`;
  if (p.args !== undefined) out += `,"args":${argsJson(p.args)}`;
  if (p.startMs !== undefined) out += `,"start":"${isoMillis(p.startMs)}"`;
  if (p.entityId !== undefined) out += `,"entity_id":${q(p.entityId)}`;
  const par = p.parent;
  if (par) {
    out += `,"parent":{"pid":${par.pid}`;
    if (par.name !== undefined) out += `,"name":${quoted(par.name)}`;
    if (par.executable !== undefined) out += `,"executable":${quoted(par.executable)}`;
    if (par.entityId !== undefined) out += `,"entity_id":${quoted(par.entityId)}`;
    out += '}';
  }
  out += '}';
  if (p.uid !== undefined) out += `,"user":{"id":"${p.uid}"` + (p.userName !== undefined ? `,"name":${quoted(p.userName)}}` : '}');
  if (p.containerId) out += `,"container":{"id":${quoted(p.containerId)}}`;
  processCache.set(p, out);
  return out;
}

// Forked children share their parent's strings and args array (the process table copies the
// references): quote each once, not once per process. Bounded, cleared when full; long
// strings are not kept.
const QUOTED_MAX = 512;
const QUOTED_MAX_LENGTH = 4096;
const quotedCache = new BoundedCache<string, string>(QUOTED_MAX);
function quoted(s: string): string {
  if (s.length > QUOTED_MAX_LENGTH) return JSON.stringify(s);
  let out = quotedCache.get(s);
  if (out === undefined) {
    out = JSON.stringify(s);
    quotedCache.set(s, out);
  }
  return out;
}

const argsCache = new BoundedCache<readonly string[], string>(QUOTED_MAX);
function argsJson(args: readonly string[]): string {
  let out = argsCache.get(args);
  if (out === undefined) {
    out = JSON.stringify(args);
    argsCache.set(args, out);
  }
  return out;
}

const EVENT_TYPE_JSON = Object.fromEntries(Object.entries(EVENT_TYPE).map(([k, v]) => [k, JSON.stringify(v)])) as Record<ConnectionEvent['action'], string>;

const HEADS: string[] = [];
for (const action of ACTIONS)
  for (const outcome of OUTCOMES)
    for (const transport of TRANSPORTS)
      for (const family of FAMILIES)
        for (const direction of DIRECTIONS) {
          const combo: Combo = { action, outcome, transport, family, direction };
          HEADS[comboIndex(combo)] = buildHead(combo);
        }

// The host/agent/ecs part is the same for every record of a sink: serialise it once per env.
const envCache = new WeakMap<FormatEnv, string>();
export function envJson(env: FormatEnv): string {
  let s = envCache.get(env);
  if (s === undefined) {
    const h = env.host;
    s =
      `,"host":${JSON.stringify({ name: h.name, hostname: h.name, id: h.id, ip: h.ips })}` +
      `,"agent":${JSON.stringify({ name: 'packetTrail', type: 'packettrail', version: env.agentVersion })},"ecs":{"version":"8.11.0"}`;
    envCache.set(env, s);
  }
  return s;
}

function relatedIps(ev: ConnectionEvent): string[] {
  return unique([ev.local.ip, ev.remote.ip].filter((ip) => ip !== '0.0.0.0' && ip !== '::'));
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
