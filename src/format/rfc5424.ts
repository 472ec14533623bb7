// RFC 5424 syslog rendering of a ConnectionEvent (docs/record.md): the record's fields as
// structured data, `origin` and `meta sequenceId`, a short human MSG, capped in size by
// truncating the longest values (never by cutting the frame).
//
// SD-IDs `conn@32473` and `proc@32473` use 32473, the private enterprise number that
// RFC 5612 reserves for documentation: replace it if packetTrail ever registers its own.
//
// SD-PARAM values escape `"`, `\` and `]` as RFC 5424 §6.3.3 requires. Control characters
// (C0, DEL, C1) become the text `\xHH`: a generic RFC 5424 parser shows them as that text,
// and a packetTrail-aware reader can decode them exactly, since a literal backslash is sent
// as `\\`. Lone UTF-16 surrogates become U+FFFD, so the frame is always valid UTF-8.
import { initiatorAndResponder, type ConnectionEnd, type ConnectionEvent, type ProcessInfo } from '../core/connection-event';
import type { FormatEnv } from './env';
import { alertPairs } from './alert-fields';
import { BoundedCache } from './bounded-cache';
import { CommunityIds } from './community-id';
import { IsoTimestamps, isoMicros } from './timestamp';
import { fitFields, utf8Length, type FittableField, type ValueEscaper } from './truncate';

const SD_ENTERPRISE_NUMBER = 32473;
export const APP_NAME = 'packetTrail';

export interface Rfc5424Env extends FormatEnv {
  /** 1..2147483647, the `meta sequenceId` (RFC 5424 §7.3.1); the sink counts and wraps it. */
  sequenceId: number;
  /** The cap on the whole frame in UTF-8 bytes (about 2048 over UDP, 8192 over TCP/TLS). */
  maxBytes: number;
  /** Syslog facility, default 1 (user). */
  facility?: number;
  /** PROCID, default this process's pid (the sensor is the originator). */
  procId?: number;
}

/** Replaces lone UTF-16 surrogates with U+FFFD (what String#toWellFormed does on Node 20+). */
export function wellFormed(s: string): string {
  if (!/[\ud800-\udfff]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : s[i]!;
  }
  return out;
}

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

function hexEscape(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

/** One code point as an SD-PARAM value carries it. */
function sdChar(ch: string): string {
  const c = ch.codePointAt(0)!;
  if (ch === '"' || ch === '\\' || ch === ']') return `\\${ch}`;
  if (isControl(c)) return hexEscape(c);
  if (c >= 0xd800 && c <= 0xdfff) return '\ufffd';
  return ch;
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3) plus control characters and lone surrogates. */
export function sdValue(v: string): string {
  if (!/["\\\]\x00-\x1f\x7f-\x9f\ud800-\udfff]/.test(v)) return v;
  let out = '';
  for (const ch of v) out += sdChar(ch);
  return out;
}

const SD_ESCAPER: ValueEscaper = {
  render: sdValue,
  charWidth: (ch) => Buffer.byteLength(sdChar(ch), 'utf8'),
  quoteBytes: 0,
};

/** A header field (HOSTNAME, APP-NAME, …): PRINTUSASCII only, at most `max` characters, or NILVALUE. */
export function headerToken(v: string | undefined, max: number): string {
  if (!v) return '-';
  const t = v.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return t === '' ? '-' : t;
}

interface SdParam {
  element: 'conn' | 'proc' | 'alert' | 'origin' | 'meta';
  name: string;
  value: string;
  first?: boolean;
}

function sdParams(ev: ConnectionEvent, env: Rfc5424Env, ids: CommunityIds): SdParam[] {
  const out = connParams(ev, ids);
  if (ev.process) out.push(...procParams(ev.process));
  if (ev.alert) out.push(...alertParams(ev));
  out.push(...originParams(env));
  out.push({ element: 'meta', name: 'sequenceId', value: String(env.sequenceId) });
  return out;
}

type AddParam = (element: SdParam['element'], name: string, v: string | number | boolean | undefined, first?: boolean) => void;

function collector(out: SdParam[]): AddParam {
  return (element, name, v, first) => {
    if (v === undefined || v === '') return;
    out.push({ element, name, value: String(v), ...(first ? { first } : {}) });
  };
}

/** A finding's element: its rule and reason first, so a reader sees why before the details. */
function alertParams(ev: ConnectionEvent): SdParam[] {
  const out: SdParam[] = [];
  const add = collector(out);
  if (ev.alert) for (const [name, value] of alertPairs(ev.alert)) add('alert', name, value);
  return out;
}

function connParams(ev: ConnectionEvent, ids: CommunityIds): SdParam[] {
  const { source, destination } = initiatorAndResponder(ev);
  const out: SdParam[] = [];
  const add = collector(out);
  add('conn', 'action', ev.action);
  add('conn', 'outcome', ev.outcome);
  add('conn', 'transport', ev.transport);
  add('conn', 'type', ev.family);
  add('conn', 'direction', ev.direction);
  add('conn', 'src', source.ip);
  add('conn', 'sport', source.port);
  add('conn', 'dst', destination.ip);
  add('conn', 'dport', destination.port);
  add('conn', 'localIp', ev.local.ip);
  add('conn', 'localPort', ev.local.port);
  add('conn', 'remoteIp', ev.remote.ip);
  add('conn', 'remotePort', ev.remote.port);
  add('conn', 'communityId', ids.ofEvent(ev));
  add('conn', 'capture', ev.capture);
  add('conn', 'attribution', ev.attribution);
  add('conn', 'tid', ev.tid);
  add('conn', 'errno', ev.errno);
  if (ev.preexisting) add('conn', 'preexisting', true);
  add('conn', 'domain', ev.domain);
  add('conn', 'durationNs', ev.end?.durationNs);
  add('conn', 'bytesOut', ev.end?.bytesOut);
  add('conn', 'bytesIn', ev.end?.bytesIn);
  add('conn', 'packetsOut', ev.end?.packetsOut);
  add('conn', 'packetsIn', ev.end?.packetsIn);
  return out;
}

function procParams(p: ProcessInfo): SdParam[] {
  const out: SdParam[] = [];
  const add = collector(out);
  add('proc', 'pid', p.pid);
  add('proc', 'name', p.name);
  add('proc', 'exe', p.executable);
  add('proc', 'sha256', p.sha256);
  add('proc', 'cmd', p.commandLine ?? (p.args ? p.args.join(' ') : undefined), true);
  add('proc', 'entityId', p.entityId);
  add('proc', 'start', p.startMs !== undefined ? new Date(p.startMs).toISOString() : undefined);
  add('proc', 'ppid', p.parent?.pid);
  add('proc', 'pname', p.parent?.name);
  add('proc', 'pexe', p.parent?.executable);
  add('proc', 'uid', p.uid);
  add('proc', 'user', p.userName);
  add('proc', 'container', p.containerId);
  if (p.exited) add('proc', 'exited', true);
  return out;
}

function originParams(env: Rfc5424Env): SdParam[] {
  const out: SdParam[] = [];
  const add = collector(out);
  const ips = env.host.ips.length > 0 ? env.host.ips : env.host.ip ? [env.host.ip] : [];
  for (const ip of ips) add('origin', 'ip', ip);
  add('origin', 'software', APP_NAME);
  add('origin', 'swVersion', env.agentVersion);
  return out;
}

const SD_IDS: Record<SdParam['element'], string> = {
  conn: `conn@${SD_ENTERPRISE_NUMBER}`,
  proc: `proc@${SD_ENTERPRISE_NUMBER}`,
  alert: `alert@${SD_ENTERPRISE_NUMBER}`,
  origin: 'origin',
  meta: 'meta',
};

/**
 * The conn element written directly: the same text renderSd(connParams(ev)) gives (a test
 * holds them equal), without building a parameter list. Its values are ours — names,
 * addresses, numbers, base64 — and need no escaping, except the domain, which comes from a
 * DNS answer off the network.
 */
function connSd(ev: ConnectionEvent, ids: CommunityIds): string {
  const { source, destination } = initiatorAndResponder(ev);
  const cid = ids.ofEvent(ev);
  return (
    `[${SD_IDS.conn} action="${ev.action}" outcome="${ev.outcome}" transport="${ev.transport}" type="${ev.family}" direction="${ev.direction}"` +
    ` src="${source.ip}" sport="${source.port}" dst="${destination.ip}" dport="${destination.port}"` +
    ` localIp="${ev.local.ip}" localPort="${ev.local.port}" remoteIp="${ev.remote.ip}" remotePort="${ev.remote.port}"` +
    (cid !== undefined ? ` communityId="${cid}"` : '') +
    ` capture="${ev.capture}" attribution="${ev.attribution}"` +
    (ev.tid !== undefined ? ` tid="${ev.tid}"` : '') +
    (ev.errno !== undefined ? ` errno="${ev.errno}"` : '') +
    (ev.preexisting ? ' preexisting="true"' : '') +
    (ev.domain ? ` domain="${sdValue(ev.domain)}"` : '') +
    (ev.end ? endSd(ev.end) : '') +
    ']'
  );
}

/** A close's duration and counters (out: sent by this host), each where the tier knows it. */
function endSd(end: ConnectionEnd): string {
  return (
    ` durationNs="${end.durationNs}"` +
    (end.bytesOut !== undefined ? ` bytesOut="${end.bytesOut}"` : '') +
    (end.bytesIn !== undefined ? ` bytesIn="${end.bytesIn}"` : '') +
    (end.packetsOut !== undefined ? ` packetsOut="${end.packetsOut}"` : '') +
    (end.packetsIn !== undefined ? ` packetsIn="${end.packetsIn}"` : '')
  );
}

/** For tests: the general renderer's conn element, which connSd must equal. */
export function connSdGeneral(ev: ConnectionEvent, ids: CommunityIds = new CommunityIds(false)): string {
  return renderSd(connParams(ev, ids));
}

export { connSd };

function renderSd(params: SdParam[], values: string[] = params.map((p) => p.value)): string {
  let out = '';
  let open: string | undefined;
  params.forEach((p, i) => {
    if (p.element !== open) {
      if (open !== undefined) out += ']';
      out += `[${SD_IDS[p.element]}`;
      open = p.element;
    }
    out += ` ${p.name}="${sdValue(values[i]!)}"`;
  });
  return open === undefined ? '-' : `${out}]`;
}

/** The short human MSG: `curl[4242] tcp egress 10.0.0.5:51000 -> 93.184.216.34:443 connection_attempted` (a finding's reason first). */
function humanMessage(ev: ConnectionEvent, label: string): string {
  const name = ev.process ? label : 'unknown';
  const hostPort = (e: { ip: string; port: number }) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  const arrow = ev.direction === 'egress' ? '->' : '<-';
  const connection = `${name} ${ev.transport} ${ev.direction} ${hostPort(ev.local)} ${arrow} ${hostPort(ev.remote)} ${ev.action}`;
  return ev.alert ? `${ev.alert.rule}: ${safeText(ev.alert.reason, 256)} (${connection})` : connection;
}

/** Printable text for the MSG: control characters as `\xHH`, at most `max` code points. */
function safeText(v: string, max: number): string {
  let out = '';
  let n = 0;
  for (const ch of wellFormed(v)) {
    if (n++ >= max) return `${out}…`;
    const c = ch.codePointAt(0)!;
    out += isControl(c) ? hexEscape(c) : ch;
  }
  return out;
}

// A process's element and MSG label are the same for all its connections, and ProcessInfo
// objects are never changed once published: render each once (bounded, cleared when full).
const PROCESS_PARTS_MAX = 1024;

/** RFC 5424 lines of one sink: it owns the caches of the parts that repeat. */
export class Rfc5424LineEncoder {
  private readonly ids = new CommunityIds();
  private readonly times = new IsoTimestamps();
  private readonly procParts = new BoundedCache<ProcessInfo, { sd: string; label: string }>(PROCESS_PARTS_MAX);
  private readonly hostToken: string;
  private readonly originSd: string;

  /** env.sequenceId is read for each record: the sink advances it. */
  constructor(private readonly env: Rfc5424Env) {
    this.hostToken = headerToken(env.host.name, 255);
    this.originSd = renderSd(originParams(env));
  }

  line(ev: ConnectionEvent): string {
    const env = this.env;
    const pri = (env.facility ?? 1) * 8 + severity(ev);
    const header = `<${pri}>1 ${this.times.micros(ev.timeUs)} ${this.hostToken} ${APP_NAME} ` + `${env.procId ?? process.pid} ${ev.alert ? 'alert' : ev.action} `;
    const p = ev.process;
    const part = p ? this.procPart(p) : undefined;
    const msg = ` ${humanMessage(ev, part?.label ?? '')}`;
    // Nearly every record fits: render it from cached parts, and fit values only when it does not.
    const whole = `${header + connSd(ev, this.ids) + (part ? part.sd : '') + (ev.alert ? renderSd(alertParams(ev)) : '') + this.originSd}[meta sequenceId="${env.sequenceId}"]${msg}`;
    if (whole.length * 3 <= env.maxBytes || utf8Length(whole) <= env.maxBytes) return whole;
    const params = sdParams(ev, env, this.ids);
    const fields: FittableField[] = params.map((p) => ({ value: p.value, ...(p.first ? { first: true } : {}) }));
    const values = fitFields(fields, (vs) => header + renderSd(params, vs) + msg, env.maxBytes, SD_ESCAPER);
    return header + renderSd(params, values) + msg;
  }

  private procPart(p: ProcessInfo): { sd: string; label: string } {
    let part = this.procParts.get(p);
    if (!part) {
      part = { sd: renderSd(procParams(p)), label: processLabel(p) };
      this.procParts.set(p, part);
    }
    return part;
  }
}

/**
 * One record's line with nothing kept between calls, from the general renderer (a sink keeps
 * an Rfc5424LineEncoder, whose cached parts give the same text).
 */
export function rfc5424Line(ev: ConnectionEvent, env: Rfc5424Env): string {
  const pri = (env.facility ?? 1) * 8 + severity(ev);
  const header = `<${pri}>1 ${isoMicros(ev.timeUs)} ${headerToken(env.host.name, 255)} ${APP_NAME} ` + `${env.procId ?? process.pid} ${ev.alert ? 'alert' : ev.action} `;
  const msg = ` ${humanMessage(ev, ev.process ? processLabel(ev.process) : '')}`;
  const params = sdParams(ev, env, new CommunityIds(false));
  const whole = header + renderSd(params) + msg;
  if (whole.length * 3 <= env.maxBytes || utf8Length(whole) <= env.maxBytes) return whole;
  const fields: FittableField[] = params.map((p) => ({ value: p.value, ...(p.first ? { first: true } : {}) }));
  const values = fitFields(fields, (vs) => header + renderSd(params, vs) + msg, env.maxBytes, SD_ESCAPER);
  return header + renderSd(params, values) + msg;
}

/** The MSG's name for a process: `curl[4242]`. */
function processLabel(p: ProcessInfo): string {
  return `${safeText(p.name, 64)}[${p.pid}]`;
}

/** informational (6) for a connection, notice (5) for a failed one, warning (4) for a finding. */
function severity(ev: ConnectionEvent): number {
  if (ev.alert) return 4;
  return ev.outcome === 'failure' ? 5 : 6;
}
