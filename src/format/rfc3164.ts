// BSD syslog (RFC 3164) rendering: `<PRI>Mmm dd hh:mm:ss HOSTNAME packetTrail[pid]: key=value…`
// with the seed format's escaped pairs (a value with a space, quote, `=`, backslash or control
// character is quoted and escaped, so no process name can forge a key or a record).
// The timestamp is UTC (RFC 3164 has no zone; UTC is the only reading that stays right
// across hosts). Capped in size by truncating the longest values, command line first.
import type { ConnectionEvent } from '../core/connection-event';
import type { FormatEnv } from './env';
import { alertPairs } from './alert-fields';
import { CommunityIds } from './community-id';
import { APP_NAME, headerToken, wellFormed } from './rfc5424';
import { seedValue } from './seed';
import { fitFields, type FittableField, type ValueEscaper } from './truncate';

export interface Rfc3164Env extends FormatEnv {
  /** Cap on the whole frame in UTF-8 bytes; default 2048. */
  maxBytes?: number;
  facility?: number;
  /** The pid in `packetTrail[pid]`, default this process's. */
  procId?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov  6 09:05:01`: day padded with a space, as RFC 3164 §4.1.2 wants. */
export function bsdTimestamp(timeUs: number): string {
  const d = new Date(Math.floor(timeUs / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

const renderValue = (v: string): string => seedValue(wellFormed(v));

const SEED_ESCAPER: ValueEscaper = {
  render: renderValue,
  // Width of a character inside a quoted value: seedValue('"x"') minus its two quotes.
  charWidth: (ch) => Buffer.byteLength(seedValue(`${wellFormed(ch)} `), 'utf8') - 3,
  quoteBytes: 2,
};

function pairs(ev: ConnectionEvent, ids: CommunityIds): Array<[string, string, (boolean | undefined)?]> {
  const p = ev.process;
  const out: Array<[string, string, (boolean | undefined)?]> = [];
  const add = (k: string, v: string | number | undefined, first?: boolean) => {
    if (v !== undefined) out.push([k, String(v), first]);
  };
  add('process', p?.name ?? 'unknown');
  add('sip', ev.local.ip);
  add('sport', ev.local.port);
  add('rip', ev.remote.ip);
  add('rport', ev.remote.port);
  add('proto', ev.transport);
  add('dir', ev.direction === 'egress' ? 'out' : 'in');
  add('action', ev.action);
  add('outcome', ev.outcome);
  add('pid', p?.pid);
  add('ppid', p?.parent?.pid);
  add('uid', p?.uid);
  add('user', p?.userName);
  add('exe', p?.executable);
  add('sha256', p?.sha256);
  add('cmd', p?.commandLine ?? p?.args?.join(' '), true);
  add('cid', ids.ofEvent(ev));
  add('capture', ev.capture);
  add('attribution', ev.attribution);
  add('domain', ev.domain);
  add('duration_ns', ev.end?.durationNs);
  add('bytes_out', ev.end?.bytesOut);
  add('bytes_in', ev.end?.bytesIn);
  add('pkts_out', ev.end?.packetsOut);
  add('pkts_in', ev.end?.packetsIn);
  if (ev.alert) for (const [k, v] of alertPairs(ev.alert)) add(k, v);
  return out;
}

/** RFC 3164 lines of one sink: it owns the Community ID cache. */
export class Rfc3164LineEncoder {
  private readonly ids = new CommunityIds();

  constructor(private readonly env: Rfc3164Env) {}

  line(ev: ConnectionEvent): string {
    return rfc3164Line(ev, this.env, this.ids);
  }
}

/** One record's line; ids is the caller's Community ID hasher (a fresh one when absent). */
export function rfc3164Line(ev: ConnectionEvent, env: Rfc3164Env, ids: CommunityIds = new CommunityIds(false)): string {
  const pri = (env.facility ?? 1) * 8 + (ev.outcome === 'failure' ? 5 : 6);
  const header = `<${pri}>${bsdTimestamp(ev.timeUs)} ${headerToken(env.host.name, 255)} ${APP_NAME}[${env.procId ?? process.pid}]: `;
  const kv = pairs(ev, ids);
  const fields: FittableField[] = kv.map(([, v, first]) => ({ value: v, ...(first ? { first: true } : {}) }));
  const render = (values: string[]) => header + kv.map(([k], i) => `${k}=${renderValue(values[i]!)}`).join(' ');
  return render(fitFields(fields, render, env.maxBytes ?? 2048, SEED_ESCAPER));
}
