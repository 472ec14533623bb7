// Addresses from kernel byte arrays to text. A v4-mapped IPv6 address (::ffff:a.b.c.d, from a
// dual-stack socket) is reported as the IPv4 address it stands for.
import type { IpFamily } from '../../core/connection-event';
import { ipv6Groups, ipv6Text, v4MappedText } from '../../core/ip-text';
import { AF_INET } from '../../core/kernel-constants';

export interface IpText {
  ip: string;
  family: IpFamily;
}

/** `bytes` holds 16 bytes; IPv4 uses the first 4. Network byte order. */
export function ipFromBytes(bytes: Uint8Array, afFamily: number): IpText {
  if (afFamily === AF_INET) return { ip: ipv4(bytes, 0), family: 'ipv4' };
  const groups = ipv6Groups(bytes);
  const mapped = v4MappedText(groups);
  if (mapped !== undefined) return { ip: mapped, family: 'ipv4' };
  return { ip: ipv6Text(groups), family: 'ipv6' };
}

function ipv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text: lower case, longest run (>= 2) of zero groups as "::", first run on ties. */
export function ipv6(b: Uint8Array): string {
  return ipv6Text(ipv6Groups(b));
}

const CACHE_SLOTS = 256;

/**
 * ipFromBytes for records read in place from the ring, remembering recent answers: a host
 * talks to the same few addresses again and again, and IPv6 text is costly to build.
 * Direct-mapped (one entry per slot, overwritten on collision): bounded and allocation-free on a hit.
 */
export class IpTextCache {
  private readonly words = new Uint32Array(CACHE_SLOTS * 4);
  private readonly afs = new Uint8Array(CACHE_SLOTS);
  private readonly texts = new Array<string>(CACHE_SLOTS).fill('');
  private readonly families = new Array<IpFamily>(CACHE_SLOTS).fill('ipv4');
  /** Family of the last text() answer (a v4-mapped IPv6 address is 'ipv4'). */
  lastFamily: IpFamily = 'ipv4';

  /** Text of the 16-byte address at buf[at]; IPv4 uses the first 4 bytes. */
  text(buf: Uint8Array, at: number, afFamily: number): string {
    const w0 = word(buf, at);
    const w1 = afFamily === AF_INET ? 0 : word(buf, at + 4);
    const w2 = afFamily === AF_INET ? 0 : word(buf, at + 8);
    const w3 = afFamily === AF_INET ? 0 : word(buf, at + 12);
    const slot = (Math.imul(w0 ^ w1 ^ w2 ^ w3 ^ afFamily, 0x9e3779b1) >>> 24) % CACHE_SLOTS;
    const k = slot * 4;
    const ws = this.words;
    if (this.afs[slot] === afFamily && ws[k] === w0 && ws[k + 1] === w1 && ws[k + 2] === w2 && ws[k + 3] === w3) {
      this.lastFamily = this.families[slot]!;
      return this.texts[slot]!;
    }
    const { ip, family } = ipFromBytes(buf.subarray(at, at + 16), afFamily);
    ws[k] = w0;
    ws[k + 1] = w1;
    ws[k + 2] = w2;
    ws[k + 3] = w3;
    this.afs[slot] = afFamily;
    this.texts[slot] = ip;
    this.families[slot] = family;
    this.lastFamily = family;
    return ip;
  }
}

function word(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
