// Community ID v1 flow hash (corelight/community-id-spec), written to the spec's byte layout.
// One CommunityIds per formatter: it owns the scratch bytes a hash is built in, the parsed
// addresses and the recent ids, so two sinks never share any of them.
import crypto from 'node:crypto';
import { isIP } from 'node:net';
import { ianaNumber, type ConnectionEvent } from '../core/connection-event';
import type { ByteWriter } from '../core/byte-writer';
import { SHA1_BASE64_LENGTH, sha1OneBlock, sha1Schedule, writeDigestBase64 } from './sha1';

const ICMP = 1;
const ICMP6 = 58;

// Zeek's pairing of ICMP request/reply types: such flows hash like a two-way port pair.
const ICMP4_PAIRS: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIRS: Readonly<Record<number, number>> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144 };

export interface FlowTuple {
  readonly proto: number;
  readonly saddr: string;
  readonly daddr: string;
  /** ICMP type for ICMP; null/undefined for protocols without ports. */
  readonly sport?: number | null;
  /** ICMP code for ICMP. */
  readonly dport?: number | null;
}

/** Returns "1:<base64 sha1>", or undefined when an address does not parse (no caching: for tests and one-off use). */
export function communityId(t: FlowTuple, seed = 0): string | undefined {
  return new CommunityIds(false).ofTuple(t, seed);
}

/** A Community ID digest: five big-endian SHA-1 words, filled by CommunityIds.hashEvent. */
export function communityIdDigest(): Int32Array {
  return new Int32Array(5);
}

/** Writes "1:" and the base64 of digest: the id as a record carries it, without a string. */
export function writeCommunityId(w: ByteWriter, digest: Int32Array): void {
  w.ensure(2 + SHA1_BASE64_LENGTH);
  const at = w.pos;
  w.buf[at] = 0x31; // 1
  w.buf[at + 1] = 0x3a; // :
  writeDigestBase64(digest, w.buf, at + 2);
  w.pos = at + 2 + SHA1_BASE64_LENGTH;
}

// Recent ids by source address, destination address and ports (one map per transport).
type FlowIds = Map<string, Map<string, Map<number, string>>>;
const FLOW_IDS_MAX = 4096;
// Parsed addresses are kept: a host talks to the same few addresses again and again.
const IP_CACHE_MAX = 4096;

export class CommunityIds {
  private readonly scratch = Buffer.allocUnsafe(2 + 16 + 16 + 2 + 4);
  // One view per possible length (12/16 for IPv4, 36/40 for IPv6), made once, not per hash.
  private readonly scratchViews: Buffer[] = [];
  // Made on first use: a one-off hasher (keep false) needs none of them.
  private schedule: Int32Array | undefined;
  private ipCache: Map<string, Buffer | undefined> | undefined;
  private tcpFlowIds: FlowIds | undefined;
  private udpFlowIds: FlowIds | undefined;
  private flowIdCount = 0;

  /** keep: remember parsed addresses and recent ids (a formatter's stream of records); false for a one-off hash. */
  constructor(private readonly keep = true) {}

  /** "1:<base64 sha1>" of a flow tuple, or undefined when an address does not parse. */
  ofTuple(t: FlowTuple, seed = 0): string | undefined {
    const input = this.input(t.proto, t.saddr, t.daddr, t.sport ?? null, t.dport ?? null, seed, false);
    return input === undefined ? undefined : `1:${sha1Base64(input)}`;
  }

  /**
   * The id of an event's flow as its records report it (initiator first, IPv4-mapped pairs
   * hashed as IPv4); undefined for a listen record or an address that does not parse.
   */
  ofEvent(ev: ConnectionEvent): string | undefined {
    if (ev.action === 'listen') return undefined;
    const egress = ev.direction === 'egress';
    const source = egress ? ev.local : ev.remote;
    const destination = egress ? ev.remote : ev.local;
    const proto = ianaNumber(ev.transport);
    const sport = source.port;
    const dport = destination.port;
    // Both ends of a local connection (connect and accept) ask for the same flow: remember
    // recent answers instead of hashing again. Nested maps, not one joined string key:
    // building and hashing that string cost several times the three lookups.
    // The ports key is exact only for ports 0-65535 (the hash masks others): no cache for those.
    const flows = !this.keep ? undefined : proto === 6 ? (this.tcpFlowIds ??= new Map()) : (this.udpFlowIds ??= new Map());
    const cacheable = flows !== undefined && (sport & 0xffff) === sport && (dport & 0xffff) === dport;
    const ports = (sport << 16) | dport;
    let id = cacheable ? flows.get(source.ip)?.get(destination.ip)?.get(ports) : undefined;
    if (id === undefined) {
      const input = this.input(proto, source.ip, destination.ip, sport, dport, 0, true);
      id = input === undefined ? undefined : `1:${sha1Base64(input)}`;
      if (id !== undefined && cacheable) this.remember(flows, source.ip, destination.ip, ports, id);
    }
    return id;
  }

  /**
   * Hashes ev's flow (the id ofEvent gives) into digest, for writeCommunityId; false when it
   * has no id. No id cache here: a cached id only helps when both ends of a connection are on
   * this host, and its lookups cost about as much as the one-block hash.
   */
  hashEvent(ev: ConnectionEvent, digest: Int32Array): boolean {
    if (ev.action === 'listen') return false;
    const egress = ev.direction === 'egress';
    const source = egress ? ev.local : ev.remote;
    const destination = egress ? ev.remote : ev.local;
    const input = this.input(ianaNumber(ev.transport), source.ip, destination.ip, source.port, destination.port, 0, true);
    if (input === undefined) return false;
    sha1OneBlock(input, input.length, digest, (this.schedule ??= sha1Schedule()));
    return true;
  }

  /**
   * The bytes the spec hashes for a flow: seed(2) saddr daddr proto(1) pad(1) [sport(2) dport(2)],
   * smaller endpoint first. A view of this object's scratch, valid until its next call;
   * undefined when an address does not parse. With unmapV4, a pair of IPv4-mapped IPv6
   * addresses (::ffff:a.b.c.d, as a dual-stack socket reports an IPv4 peer) is hashed as IPv4:
   * the packets are IPv4, and a network sensor on the same flow hashes them so.
   */
  input(proto: number, saddrText: string, daddrText: string, sportIn: number | null, dportIn: number | null, seed: number, unmapV4: boolean): Buffer | undefined {
    let saddr = this.ipBytes(saddrText);
    let daddr = this.ipBytes(daddrText);
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
    const buf = this.scratch;
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
    return (this.scratchViews[at] ??= buf.subarray(0, at));
  }

  private ipBytes(ip: string): Buffer | undefined {
    if (!this.keep) return ipBytes(ip);
    const cache = (this.ipCache ??= new Map());
    let b = cache.get(ip);
    if (b !== undefined || cache.has(ip)) return b;
    b = ipBytes(ip);
    if (cache.size >= IP_CACHE_MAX) cache.clear();
    cache.set(ip, b);
    return b;
  }

  private remember(flows: FlowIds, saddr: string, daddr: string, ports: number, id: string): void {
    if (this.flowIdCount >= FLOW_IDS_MAX) {
      this.tcpFlowIds?.clear();
      this.udpFlowIds?.clear();
      this.flowIdCount = 0;
    }
    let bySource = flows.get(saddr);
    if (bySource === undefined) flows.set(saddr, (bySource = new Map()));
    let byPorts = bySource.get(daddr);
    if (byPorts === undefined) bySource.set(daddr, (byPorts = new Map()));
    byPorts.set(ports, id);
    this.flowIdCount++;
  }
}

/** ::ffff:a.b.c.d (16 bytes). */
function isV4Mapped(b: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

// crypto.hash (Node >= 20.12) hashes in one native call, about twice as fast as
// createHash().update().digest(); older Node 20 releases lack it.
const sha1Base64: (data: Buffer) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha1', data, 'base64') : (data) => crypto.createHash('sha1').update(data).digest('base64');

/** Address order (from byte `from` on), then port order: the spec's "smaller endpoint first". */
function isOrdered(a: Buffer, b: Buffer, from: number, ap: number | null, bp: number | null): boolean {
  // a and b have the same length (checked by the caller).
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return (ap ?? 0) <= (bp ?? 0);
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
    text = `${text.slice(0, -v4[1]!.length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, undefined];
  const head = headText ? headText.split(':') : [];
  const tail = tailText ? tailText.split(':') : [];
  const groups = tailText === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  groups.forEach((g, i) => {
    out.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  return out;
}
