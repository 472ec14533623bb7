// ECS JSON rendering of a ConnectionEvent (DESIGN.md §4; field names are normative).
import { ianaNumber, initiatorAndResponder, type ConnectionEvent, type ProcessInfo } from '../core/connection-event';
import type { HostInfo } from '../core/context';
import { communityId, ipBytes } from './community-id';
import { isoMicros } from './timestamp';

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
  const { source, destination } = initiatorAndResponder(ev);
  // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d, but the packets are IPv4:
  // hash the IPv4 addresses, as a network sensor on the same flow does.
  // Both ends of a local connection (connect and accept) and every sink ask for the same flow:
  // remember recent answers instead of hashing again.
  const key = `${ev.transport} ${source.ip} ${source.port} ${destination.ip} ${destination.port}`;
  let id = flowIds.get(key);
  if (id === undefined) {
    const [saddr, daddr] = unmapV4Pair(source.ip, destination.ip);
    id = communityId({ proto: ianaNumber(ev.transport), saddr, daddr, sport: source.port, dport: destination.port });
    if (id === undefined) return undefined;
    if (flowIds.size >= FLOW_IDS_MAX) flowIds.clear();
    flowIds.set(key, id);
  }
  return id;
}

const FLOW_IDS_MAX = 4096;
const flowIds = new Map<string, string>();

function unmapV4Pair(a: string, b: string): [string, string] {
  const ua = unmapV4(a);
  const ub = unmapV4(b);
  return ua !== undefined && ub !== undefined ? [ua, ub] : [a, b];
}

/** a.b.c.d for an IPv4-mapped IPv6 address (::ffff:a.b.c.d in any spelling), else undefined. */
function unmapV4(ip: string): string | undefined {
  if (!ip.includes(':')) return undefined;
  const b = ipBytes(ip);
  if (!b || b.length !== 16 || b.readUInt16BE(10) !== 0xffff || !b.subarray(0, 10).every((x) => x === 0)) return undefined;
  return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
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
  const { source, destination } = initiatorAndResponder(ev);
  const q = JSON.stringify;
  const cid = eventCommunityId(ev);
  let out =
    `{"@timestamp":"${isoMicros(ev.timeUs)}","event":{"kind":"event","category":["network"],"type":${EVENT_TYPE_JSON[ev.action]},` +
    `"action":"${ev.action}","outcome":"${ev.outcome}","module":"packettrail","dataset":"packettrail.connection"},` +
    `"network":{"transport":"${ev.transport}","type":"${ev.family}","iana_number":"${ianaNumber(ev.transport)}","direction":"${ev.direction}"` +
    (cid !== undefined ? `,"community_id":"${cid}"}` : '}') +
    // Addresses and the Community ID come from our own code (digits, hex, ':', '.', base64): no escaping.
    (ev.action === 'listen' ? '' : `,"source":{"ip":"${source.ip}","port":${source.port}}`) +
    `,"destination":{"ip":"${destination.ip}","port":${destination.port}}` +
    envJson(env) +
    `,"related":{"ip":${q(relatedIps(ev))}}` +
    `,"packettrail":{"capture":"${ev.capture}","attribution":"${ev.attribution}","local":{"ip":"${ev.local.ip}","port":${ev.local.port}},"remote":{"ip":"${ev.remote.ip}","port":${ev.remote.port}}` +
    (ev.preexisting ? ',"preexisting":true' : '') +
    (ev.tid !== undefined ? `,"tid":${ev.tid}` : '') +
    (ev.errno !== undefined ? `,"errno":${ev.errno}` : '') +
    '}';
  const p = ev.process;
  if (p) out += processJson(p);
  return out + '}';
}

// A process's part of the record is the same for all its connections, and ProcessInfo objects
// are never changed once published (the process table replaces them): serialise each once.
// A small Map cleared when full, not a WeakMap: most short-lived processes are formatted once,
// and thousands of weak entries a second cost the garbage collector more than they save.
const PROCESS_CACHE_MAX = 1024;
const processCache = new Map<ProcessInfo, string>();
function processJson(p: ProcessInfo): string {
  let out = processCache.get(p);
  if (out !== undefined) return out;
  const q = JSON.stringify;
  out = `,"process":{"pid":${p.pid},"name":${q(p.name)}`;
  if (p.executable !== undefined) out += `,"executable":${q(p.executable)}`;
  if (p.commandLine !== undefined) out += `,"command_line":${q(p.commandLine)}`;
  if (p.args !== undefined) out += `,"args":${q(p.args)}`;
  if (p.startMs !== undefined) out += `,"start":"${new Date(p.startMs).toISOString()}"`;
  if (p.entityId !== undefined) out += `,"entity_id":${q(p.entityId)}`;
  const par = p.parent;
  if (par) {
    out += `,"parent":{"pid":${par.pid}`;
    if (par.name !== undefined) out += `,"name":${q(par.name)}`;
    if (par.executable !== undefined) out += `,"executable":${q(par.executable)}`;
    if (par.entityId !== undefined) out += `,"entity_id":${q(par.entityId)}`;
    out += '}';
  }
  out += '}';
  if (p.uid !== undefined) out += `,"user":{"id":"${p.uid}"` + (p.userName !== undefined ? `,"name":${q(p.userName)}}` : '}');
  if (p.containerId) out += `,"container":{"id":${q(p.containerId)}}`;
  if (processCache.size >= PROCESS_CACHE_MAX) processCache.clear();
  processCache.set(p, out);
  return out;
}

const EVENT_TYPE_JSON = Object.fromEntries(Object.entries(EVENT_TYPE).map(([k, v]) => [k, JSON.stringify(v)])) as Record<ConnectionEvent['action'], string>;

// The host/agent/ecs part is the same for every record of a sink: serialise it once per env.
const envCache = new WeakMap<FormatEnv, string>();
function envJson(env: FormatEnv): string {
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
