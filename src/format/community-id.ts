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
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed & 0xffff);
  const parts: Buffer[] = [head, saddr, daddr, Buffer.from([t.proto & 0xff, 0])];
  if (sport !== null && dport !== null) {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(sport & 0xffff, 0);
    ports.writeUInt16BE(dport & 0xffff, 2);
    parts.push(ports);
  }
  return '1:' + createHash('sha1').update(Buffer.concat(parts)).digest('base64');
}

function isOrdered(a: Buffer, b: Buffer, ap: number | null, bp: number | null): boolean {
  const c = Buffer.compare(a, b);
  return c < 0 || (c === 0 && (ap ?? 0) <= (bp ?? 0));
}

/** 4 bytes for IPv4, 16 for IPv6 (v4-mapped IPv6 stays 16 bytes, as on the wire). */
export function ipBytes(ip: string): Buffer | undefined {
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
