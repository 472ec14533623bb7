// ECS JSON lines of ConnectionEvents, written straight to a string: the same document as
// JSON.stringify(toEcs(ev, env)) (ecs-reference.ts), without building the object first (the
// file and network sinks format every record, and the object doubled the cost). One
// EcsLineEncoder per sink: it owns the caches of parts that repeat.
import { type ConnectionEnd, type ConnectionEvent, ianaNumber, type ProcessInfo } from '../core/connection-event';
import { BoundedCache } from './bounded-cache';
import { CommunityIds } from './community-id';
import { EVENT_TYPE, toEcs } from './ecs-reference';
import type { FormatEnv } from './env';
import { IsoTimestamps } from './timestamp';

// A process's part of the record is the same for all its connections, and ProcessInfo objects
// are never changed once published (the process table replaces them): serialise each once.
// A small Map cleared when full, not a WeakMap: most short-lived processes are formatted once,
// and thousands of weak entries a second cost the garbage collector more than they save.
const PROCESS_CACHE_MAX = 1024;
// Forked children share their parent's strings and args array (the process table copies the
// references): quote each once, not once per process. Bounded, cleared when full; long
// strings are not kept.
const QUOTED_MAX = 512;
const QUOTED_MAX_LENGTH = 4096;
/**
 * packettrail.process: what ECS has no field for, written only when there is something to say
 * (an unlinked executable, the reason a record has no executable hash); '' otherwise.
 */
export function packettrailProcessJson(p: ProcessInfo | undefined): string {
  if (p === undefined || (!p.executableDeleted && p.hashStatus === undefined)) return '';
  const deleted = p.executableDeleted ? '"executable_deleted":true' : '';
  const status = p.hashStatus !== undefined ? `"hash_status":"${p.hashStatus}"` : '';
  return `,"process":{${deleted}${deleted && status ? ',' : ''}${status}}`;
}

export class EcsLineEncoder {
  private readonly ids = new CommunityIds();
  private readonly times = new IsoTimestamps();
  private readonly processCache = new BoundedCache<ProcessInfo, string>(PROCESS_CACHE_MAX);
  private readonly quotedCache = new BoundedCache<string, string>(QUOTED_MAX);
  private readonly argsCache = new BoundedCache<readonly string[], string>(QUOTED_MAX);
  /** The host/agent/ecs part: the same for every record of a sink. */
  private readonly envPart: string;

  constructor(private readonly env: FormatEnv) {
    this.envPart = envJson(env);
  }

  /** Community IDs of this encoder's records (the cache the line path fills). */
  get communityIds(): CommunityIds {
    return this.ids;
  }

  line(ev: ConnectionEvent): string {
    // Alerts are rare and carry more fields: the reference renders them.
    if (ev.alert) return JSON.stringify(toEcs(ev, this.env, this.ids));
    // initiatorAndResponder without its object: this runs for every record.
    const egress = ev.direction === 'egress';
    const source = egress ? ev.local : ev.remote;
    const destination = egress ? ev.remote : ev.local;
    const cid = this.ids.ofEvent(ev);
    const domain = ev.domain === undefined ? '' : `,"domain":${this.quoted(ev.domain)}`;
    const end = ev.end;
    // A close: its duration inside the event head, its counts at the end of network, source and destination.
    const head = end === undefined ? eventAndNetworkHead(ev) : withDuration(eventAndNetworkHead(ev), end.durationNs);
    const counts = end === undefined ? NO_COUNTS : endCountsJson(end, egress);
    // Addresses and the Community ID come from our own code (digits, hex, ':', '.', base64): no escaping.
    let out =
      '{"@timestamp":"' +
      this.times.micros(ev.timeUs) +
      head +
      (cid !== undefined ? `,"community_id":"${cid}"` : '') +
      counts.network +
      '}' +
      (ev.action === 'listen' ? '' : `,"source":{"ip":"${source.ip}","port":${source.port}${egress ? '' : domain}${counts.source}}`) +
      ',"destination":{"ip":"' +
      destination.ip +
      '","port":' +
      destination.port +
      (egress ? domain : '') +
      counts.destination +
      '}' +
      this.envPart +
      ',"related":{"ip":' +
      relatedIpsJson(ev.local.ip, ev.remote.ip) +
      '}' +
      ',"packettrail":{"capture":"' +
      ev.capture +
      '","attribution":"' +
      ev.attribution +
      '","local":{"ip":"' +
      ev.local.ip +
      '","port":' +
      ev.local.port +
      '},"remote":{"ip":"' +
      ev.remote.ip +
      '","port":' +
      ev.remote.port +
      '}' +
      (ev.preexisting ? ',"preexisting":true' : '') +
      (ev.tid !== undefined ? `,"tid":${ev.tid}` : '') +
      (ev.errno !== undefined ? `,"errno":${ev.errno}` : '') +
      packettrailProcessJson(ev.process) +
      (domain ? ',"domain_source":"dns_answer"' : '') +
      '}';
    const p = ev.process;
    if (p) out += this.processJson(p);
    if (ev.domain !== undefined) out += `,"dns":{"question":{"name":${this.quoted(ev.domain)}}}`;
    return `${out}}`;
  }

  private processJson(p: ProcessInfo): string {
    let out = this.processCache.get(p);
    if (out !== undefined) return out;
    const q = JSON.stringify;
    out = `,"process":{"pid":${p.pid},"name":${this.quoted(p.name)}`;
    if (p.executable !== undefined) out += `,"executable":${this.quoted(p.executable)}`;
    if (p.commandLine !== undefined) out += `,"command_line":${this.quoted(p.commandLine)}`;
    if (p.args !== undefined) out += `,"args":${this.argsJson(p.args)}`;
    if (p.startMs !== undefined) out += `,"start":"${this.times.millis(p.startMs)}"`;
    if (p.entityId !== undefined) out += `,"entity_id":${q(p.entityId)}`;
    // Hashes are lower-case hex from our own hasher: no escaping.
    if (p.sha256 !== undefined) out += `,"hash":{"sha256":"${p.sha256}"}`;
    const par = p.parent;
    if (par) {
      out += `,"parent":{"pid":${par.pid}`;
      if (par.name !== undefined) out += `,"name":${this.quoted(par.name)}`;
      if (par.executable !== undefined) out += `,"executable":${this.quoted(par.executable)}`;
      if (par.entityId !== undefined) out += `,"entity_id":${this.quoted(par.entityId)}`;
      if (par.sha256 !== undefined) out += `,"hash":{"sha256":"${par.sha256}"}`;
      out += '}';
    }
    out += '}';
    if (p.uid !== undefined) out += `,"user":{"id":"${p.uid}"${p.userName !== undefined ? `,"name":${this.quoted(p.userName)}}` : '}'}`;
    if (p.containerId) out += `,"container":{"id":${this.quoted(p.containerId)}}`;
    this.processCache.set(p, out);
    return out;
  }

  private quoted(s: string): string {
    if (s.length > QUOTED_MAX_LENGTH) return JSON.stringify(s);
    let out = this.quotedCache.get(s);
    if (out === undefined) {
      out = JSON.stringify(s);
      this.quotedCache.set(s, out);
    }
    return out;
  }

  private argsJson(args: readonly string[]): string {
    let out = this.argsCache.get(args);
    if (out === undefined) {
      out = JSON.stringify(args);
      this.argsCache.set(args, out);
    }
    return out;
  }
}

interface CountsJson {
  readonly network: string;
  readonly source: string;
  readonly destination: string;
}
const NO_COUNTS: CountsJson = { network: '', source: '', destination: '' };

/** The head with a close's event.duration where the event object ends. */
function withDuration(head: string, durationNs: number): string {
  const split = head.indexOf('},"network":{');
  return `${head.slice(0, split)},"duration":${durationNs}${head.slice(split)}`;
}

function countsJson(bytes: number | undefined, packets: number | undefined): string {
  return (bytes !== undefined ? `,"bytes":${bytes}` : '') + (packets !== undefined ? `,"packets":${packets}` : '');
}

/** A close's counts as ECS places them (source is the initiator), as the reference writes them. */
function endCountsJson(end: ConnectionEnd, egress: boolean): CountsJson {
  const both = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a + b : undefined);
  const out = countsJson(end.bytesOut, end.packetsOut);
  const inn = countsJson(end.bytesIn, end.packetsIn);
  return {
    network: countsJson(both(end.bytesOut, end.bytesIn), both(end.packetsOut, end.packetsIn)),
    source: egress ? out : inn,
    destination: egress ? inn : out,
  };
}

/** One record's line with nothing kept between calls, for one-off use (a snapshot, a test): the reference's JSON. */
export function ecsLine(ev: ConnectionEvent, env: FormatEnv): string {
  return JSON.stringify(toEcs(ev, env, new CommunityIds(false)));
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
  if (l) return r ? `["${local}","${remote}"]` : `["${local}"]`;
  return r ? `["${remote}"]` : '[]';
}

const EVENT_TYPE_JSON = Object.fromEntries(Object.entries(EVENT_TYPE).map(([k, v]) => [k, JSON.stringify(v)])) as Record<ConnectionEvent['action'], string>;

// Built once when the module loads and never changed: a table, not a cache.
const HEADS: readonly string[] = buildHeads();
function buildHeads(): string[] {
  const heads: string[] = [];
  for (const action of ACTIONS)
    for (const outcome of OUTCOMES)
      for (const transport of TRANSPORTS)
        for (const family of FAMILIES)
          for (const direction of DIRECTIONS) {
            const combo: Combo = { action, outcome, transport, family, direction };
            heads[comboIndex(combo)] = buildHead(combo);
          }
  return heads;
}

/** The host/agent/ecs part of a record (made once per encoder). */
export function envJson(env: FormatEnv): string {
  const h = env.host;
  return (
    `,"host":${JSON.stringify({ name: h.name, hostname: h.name, id: h.id, ip: h.ips })}` +
    `,"agent":${JSON.stringify({ name: 'packetTrail', type: 'packettrail', version: env.agentVersion })},"ecs":{"version":"8.11.0"}`
  );
}
