// Addresses from kernel byte arrays to text. A v4-mapped IPv6 address (::ffff:a.b.c.d, from a
// dual-stack socket) is reported as the IPv4 address it stands for.
import type { IpFamily } from '../../core/connection-event';
import { ipv6Text } from '../../core/ip-text';
import { AF_INET } from '../../core/kernel-constants';

export interface IpText {
  ip: string;
  family: IpFamily;
}

/** `bytes` holds 16 bytes; IPv4 uses the first 4. Network byte order. */
export function ipFromBytes(bytes: Uint8Array, afFamily: number): IpText {
  if (afFamily === AF_INET) return { ip: ipv4(bytes, 0), family: 'ipv4' };
  if (isV4Mapped(bytes)) return { ip: ipv4(bytes, 12), family: 'ipv4' };
  return { ip: ipv6(bytes), family: 'ipv6' };
}

function ipv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** RFC 5952 text: lower case, longest run (>= 2) of zero groups as "::", first run on ties. */
export function ipv6(b: Uint8Array): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (b[i * 2]! << 8) | b[i * 2 + 1]!;
  return ipv6Text(groups);
}
