// Community ID v1 flow hash (corelight/community-id-spec), written to the spec's byte layout.
import { createHash } from 'node:crypto';
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
  let saddr = ipBytes(t.saddr);
  let daddr = ipBytes(t.daddr);
  if (!saddr || !daddr || saddr.length !== daddr.length) return undefined;
  let sport = t.sport ?? null;
  let dport = t.dport ?? null;
  let oneWay = false;
  if ((t.proto === ICMP || t.proto === ICMP6) && sport !== null && dport !== null) {
    const pairs = t.proto === ICMP ? ICMP4_PAIRS : ICMP6_PAIRS;
    const mate = pairs[sport];
    if (mate === undefined) {
      oneWay = true;
    } else {
      dport = mate;
    }
  }
  if (!oneWay && !isOrdered(saddr, daddr, sport, dport)) {
    [saddr, daddr] = [daddr, saddr];
    [sport, dport] = [dport, sport];
  }
  // seed(2) saddr daddr proto(1) pad(1) [sport(2) dport(2)], in one reused buffer.
  const buf = SCRATCH;
  buf.writeUInt16BE(seed & 0xffff, 0);
  let at = 2 + saddr.copy(buf, 2);
  at += daddr.copy(buf, at);
  buf[at++] = t.proto & 0xff;
  buf[at++] = 0;
  if (sport !== null && dport !== null) {
    buf.writeUInt16BE(sport & 0xffff, at);
    buf.writeUInt16BE(dport & 0xffff, at + 2);
    at += 4;
  }
  return '1:' + createHash('sha1').update(buf.subarray(0, at)).digest('base64');
}

const SCRATCH = Buffer.alloc(2 + 16 + 16 + 2 + 4);

function isOrdered(a: Buffer, b: Buffer, ap: number | null, bp: number | null): boolean {
  const c = Buffer.compare(a, b);
  return c < 0 || (c === 0 && (ap ?? 0) <= (bp ?? 0));
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
