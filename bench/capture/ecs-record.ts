// Reads the fields the join needs from one ECS JSON line written by the sensor's file sink.
// Pure; accepts nested objects or dotted keys; returns an Error for lines it cannot use.

import { parseJsonObject } from './json-object';

export interface SensorRecord {
  action: string;
  transport: string;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  pid?: number | undefined;
  executable?: string | undefined;
  /** process.hash.sha256 */
  sha256?: string | undefined;
  name?: string | undefined;
  attribution?: string | undefined;
  capture?: string | undefined;
  /** @timestamp as epoch ms, when present and parseable. */
  timeMs?: number | undefined;
}

function get(doc: Record<string, unknown>, dotted: string): unknown {
  if (dotted in doc) return doc[dotted];
  let cur: unknown = doc;
  for (const part of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
function s(doc: Record<string, unknown>, k: string): string | undefined {
  const v = get(doc, k);
  return typeof v === 'string' ? v : undefined;
}
function n(doc: Record<string, unknown>, k: string): number | undefined {
  const v = get(doc, k);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export function parseSensorLine(line: string): SensorRecord | Error {
  const d = parseJsonObject(line, 'sensor line');
  if (d instanceof Error) return d;
  const transport = s(d, 'network.transport');
  if (!transport) return new Error('no network.transport');
  // packettrail.local/remote name the host's end directly; otherwise derive it from the direction.
  let localIp = s(d, 'packettrail.local.ip'),
    localPort = n(d, 'packettrail.local.port');
  let remoteIp = s(d, 'packettrail.remote.ip'),
    remotePort = n(d, 'packettrail.remote.port');
  if (localIp === undefined || localPort === undefined || remoteIp === undefined || remotePort === undefined) {
    const ingress = s(d, 'network.direction') === 'ingress';
    const [l, r] = ingress ? ['destination', 'source'] : ['source', 'destination'];
    localIp = s(d, `${l}.ip`);
    localPort = n(d, `${l}.port`);
    remoteIp = s(d, `${r}.ip`);
    remotePort = n(d, `${r}.port`);
  }
  if (localIp === undefined || localPort === undefined || remoteIp === undefined || remotePort === undefined) {
    return new Error('no local/remote endpoints');
  }
  return {
    action: s(d, 'event.action') ?? '',
    transport,
    localIp: normalizeIp(localIp),
    localPort,
    remoteIp: normalizeIp(remoteIp),
    remotePort,
    pid: n(d, 'process.pid'),
    executable: s(d, 'process.executable'),
    sha256: s(d, 'process.hash.sha256'),
    name: s(d, 'process.name'),
    attribution: s(d, 'packettrail.attribution'),
    capture: s(d, 'packettrail.capture'),
    timeMs: timeMs(s(d, '@timestamp')),
  };
}

function timeMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** Lower-case, IPv4-mapped IPv6 folded to IPv4, zero-compressed forms of ::1 / :: folded. */
export function normalizeIp(ip: string): string {
  let v = ip.trim().toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (mapped?.[1] !== undefined) v = mapped[1];
  if (/^(0{1,4}:){7}0{0,3}1$/.test(v)) v = '::1';
  if (/^(0{1,4}:){7}0{1,4}$/.test(v)) v = '::';
  return v;
}

export function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '';
}
