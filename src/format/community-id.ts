// Community ID v1 flow hash (corelight/community-id-spec), written to the spec's byte layout.
import crypto from 'node:crypto';
import { isIP } from 'node:net';

const ICMP = 1;
const ICMP6 = 58;

// Zeek's pairing of ICMP request/reply types: such flows hash like a two-way port pair.
const ICMP4_PAIRS: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIRS: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144 };

export interface FlowTuple {
  proto: number;
  saddr: string;
  daddr: string;
  /** ICMP type for ICMP; null/undefined for protocols without ports. */
  sport?: number | null;
  /** ICMP code for ICMP. */
  dport?: number | null;
}

/** Returns "1:<base64 sha1>", or undefined when an address does not parse. */
export function communityId(t: FlowTuple, seed = 0): string | undefined {
  const input = communityIdInput(t.proto, t.saddr, t.daddr, t.sport ?? null, t.dport ?? null, seed, false);
  return input === undefined ? undefined : '1:' + sha1Base64(input);
}

/** The id of a connection's flow as its records report it: IPv4-mapped pairs hashed as IPv4 (see communityIdInput). */
export function connectionCommunityId(proto: number, saddr: string, daddr: string, sport: number, dport: number): string | undefined {
  const input = communityIdInput(proto, saddr, daddr, sport, dport, 0, true);
  return input === undefined ? undefined : '1:' + sha1Base64(input);
}

/**
 * The bytes the spec hashes for a flow: seed(2) saddr daddr proto(1) pad(1) [sport(2) dport(2)],
 * smaller endpoint first. A view of one reused buffer, valid until the next call; undefined
 * when an address does not parse. With unmapV4, a pair of IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d, as a dual-stack socket reports an IPv4 peer) is hashed as IPv4: the packets
 * are IPv4, and a network sensor on the same flow hashes them so.
 */
export function communityIdInput(
  proto: number,
  saddrText: string,
  daddrText: string,
  sportIn: number | null,
  dportIn: number | null,
  seed: number,
  unmapV4: boolean,
): Buffer | undefined {
  let saddr = ipBytes(saddrText);
  let daddr = ipBytes(daddrText);
  if (!saddr || !daddr || saddr.length !== daddr.length) return undefined;
  let from = 0;
  if (unmapV4 && saddr.length === 16 && isV4Mapped(saddr) && isV4Mapped(daddr)) from = 12;
  let sport = sportIn;
  let dport = dportIn;
  let oneWay = false;
  if ((proto === ICMP || proto === ICMP6) && sport !== null && dport !== null) {
    const pairs = proto === ICMP ? ICMP4_PAIRS : ICMP6_PAIRS;
    const mate = pairs[sport];
    if (mate === undefined) {
      oneWay = true;
    } else {
      dport = mate;
    }
  }
  if (!oneWay && !isOrdered(saddr, daddr, from, sport, dport)) {
    [saddr, daddr] = [daddr, saddr];
    [sport, dport] = [dport, sport];
  }
  // Plain loops: Buffer.copy/compare cross into C++, which costs more than 4 or 16 bytes of JS.
  const buf = SCRATCH;
  buf[0] = (seed >> 8) & 0xff;
  buf[1] = seed & 0xff;
  let at = 2;
  for (let i = from; i < saddr.length; i++) buf[at++] = saddr[i]!;
  for (let i = from; i < daddr.length; i++) buf[at++] = daddr[i]!;
  buf[at++] = proto & 0xff;
  buf[at++] = 0;
  if (sport !== null && dport !== null) {
    buf[at++] = (sport >> 8) & 0xff;
    buf[at++] = sport & 0xff;
    buf[at++] = (dport >> 8) & 0xff;
    buf[at++] = dport & 0xff;
  }
  return scratchView(at);
}

/** ::ffff:a.b.c.d (16 bytes). */
function isV4Mapped(b: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

const SCRATCH = Buffer.alloc(2 + 16 + 16 + 2 + 4);
// One view per possible length (12/16 for IPv4, 36/40 for IPv6), made once, not per hash.
const SCRATCH_VIEWS: Buffer[] = [];
function scratchView(len: number): Buffer {
  return (SCRATCH_VIEWS[len] ??= SCRATCH.subarray(0, len));
}

// crypto.hash (Node >= 20.12) hashes in one native call, about twice as fast as
// createHash().update().digest(); older Node 20 releases lack it.
const sha1Base64: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'base64')
    : (data) => crypto.createHash('sha1').update(data).digest('base64');

/** Address order (from byte `from` on), then port order: the spec's "smaller endpoint first". */
function isOrdered(a: Buffer, b: Buffer, from: number, ap: number | null, bp: number | null): boolean {
  // a and b have the same length (checked by the caller).
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return (ap ?? 0) <= (bp ?? 0);
}

// Parsed addresses are cached: a host talks to the same few addresses again and again.
const IP_CACHE_MAX = 4096;
const ipCache = new Map<string, Buffer | undefined>();

/** 4 bytes for IPv4, 16 for IPv6 (v4-mapped IPv6 stays 16 bytes, as on the wire). */
export function ipBytes(ip: string): Buffer | undefined {
  let b = ipCache.get(ip);
  if (b !== undefined || ipCache.has(ip)) return b;
  b = parseIp(ip);
  if (ipCache.size >= IP_CACHE_MAX) ipCache.clear();
  ipCache.set(ip, b);
  return b;
}

function parseIp(ip: string): Buffer | undefined {
  const kind = isIP(ip);
  if (kind === 4) return Buffer.from(ip.split('.').map(Number));
  if (kind !== 6) return undefined;
  let text = ip;
  const out = Buffer.alloc(16);
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    // An embedded dotted quad takes the last two groups.
    const b = Buffer.from(v4[1]!.split('.').map(Number));
    text = text.slice(0, -v4[1]!.length) + `${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, undefined];
  const head = headText ? headText.split(':') : [];
  const tail = tailText ? tailText.split(':') : [];
  const groups = tailText === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
