// The original packetTrail syslog line, byte-compatible for its first fields, then more
// key=value pairs. Values that could forge a key or a record are quoted and escaped.
import type { ConnectionEvent } from '../core/connection-event';
import type { FormatEnv } from './env';
import { isoSeconds } from './timestamp';
import { escapeText } from './escape-text';
import { alertPairs } from './alert-fields';

// Anything outside printable ASCII except valid non-ASCII text, plus space, quote, = and \.
const NEEDS_QUOTES = /[\s"=\\\x00-\x1f\x7f-\x9f]/;

export function seedValue(v: string): string {
  if (v === '') return '""';
  if (!NEEDS_QUOTES.test(v) && !/[\u2028\u2029\ufffd]/.test(v)) return v;
  return `"${escapeText(v, true)}"`;
}

/** The key=value body after the header: `process=… sip=… sport=… rip=… rport=…` then extras. */
function seedFields(ev: ConnectionEvent): string {
  const p = ev.process;
  const pairs: Array<readonly [string, string | number | undefined]> = [
    ['process', p?.name ?? 'unknown'],
    ['sip', ev.local.ip],
    ['sport', ev.local.port],
    ['rip', ev.remote.ip],
    ['rport', ev.remote.port],
    ['proto', ev.transport],
    ['dir', ev.direction === 'egress' ? 'out' : 'in'],
    ['action', ev.action],
    ['outcome', ev.outcome],
    ['pid', p?.pid],
    ['ppid', p?.parent?.pid],
    ['uid', p?.uid],
    ['user', p?.userName],
    ['exe', p?.executable],
    ['sha256', p?.sha256],
    ['capture', ev.capture],
    ['attribution', ev.attribution],
    ['domain', ev.domain],
    // A close: how long and how much, from this host's side (out: sent by it).
    ['duration_ns', ev.end?.durationNs],
    ['bytes_out', ev.end?.bytesOut],
    ['bytes_in', ev.end?.bytesIn],
    ['pkts_out', ev.end?.packetsOut],
    ['pkts_in', ev.end?.packetsIn],
    // A finding's rule and reason (and the rest) follow the connection's pairs.
    ...(ev.alert ? alertPairs(ev.alert) : []),
  ];
  return pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : seedValue(v as string)}`)
    .join(' ');
}

/** `<12>2018-09-08T11:25:19Z HOST_IP HOSTNAME packetTrail process=…` (PRI 12 = user.warning, as the original). */
export function seedLine(ev: ConnectionEvent, env: FormatEnv): string {
  return `<12>${isoSeconds(ev.timeUs)} ${env.host.ip} ${env.host.name} packetTrail ${seedFields(ev)}`;
}
