// Addresses from kernel byte arrays to text. A v4-mapped IPv6 address (::ffff:a.b.c.d, from a
// dual-stack socket) is reported as the IPv4 address it stands for.
import type { IpFamily } from '../../core/connection-event';

export interface IpText {
  ip: string;
  family: IpFamily;
}

export const AF_INET = 2;
export const AF_INET6 = 10;

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
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
