// Address text from kernel bytes, shared by the tiers. IPv4-mapped IPv6 (::ffff:a.b.c.d, what a
// dual-stack socket shows for an IPv4 peer) is reported as IPv4 a.b.c.d, as the ECS record and
// Community ID want the address the packets carried. Pure. Callers pass eight groups, each
// below 65536, so the group reads and HEX lookups below are in range.

const HEX = Array.from({ length: 65536 }, (_, i) => i.toString(16));

/** Eight 16-bit groups → RFC 5952 text (longest run of ≥2 zero groups becomes "::"). */
export function ipv6Text(g: ArrayLike<number>): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) {
    let s = HEX[g[0]!]!;
    for (let i = 1; i < 8; i++) s += `:${HEX[g[i]!]!}`;
    return s;
  }
  let s = '';
  for (let i = 0; i < bestAt; i++) s += (i ? ':' : '') + HEX[g[i]!]!;
  s += '::';
  for (let i = bestAt + bestLen; i < 8; i++) s += (i > bestAt + bestLen ? ':' : '') + HEX[g[i]!]!;
  return s;
}

/** The IPv4 text if the eight groups are ::ffff:a.b.c.d, else undefined. */
export function v4MappedText(g: ArrayLike<number>): string | undefined {
  if (g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0 || g[5] !== 0xffff) return undefined;
  const hi = g[6]!;
  const lo = g[7]!;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function isUnspecified6(g: ArrayLike<number>): boolean {
  for (let i = 0; i < 8; i++) if (g[i] !== 0) return false;
  return true;
}

/**
 * The far end of a dual-stack socket whose near end is v4-mapped: its IPv4 text, 0.0.0.0 for
 * the unspecified "::" (a listener or an unconnected socket), undefined for a real IPv6
 * address (the pair then stays IPv6).
 */
export function v4MappedPeerText(g: ArrayLike<number>): string | undefined {
  return v4MappedText(g) ?? (isUnspecified6(g) ? '0.0.0.0' : undefined);
}

/** Eight 16-bit groups of a 16-byte address in network byte order. */
export function ipv6Groups(b: ArrayLike<number>, at = 0): number[] {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (b[at + i * 2]! << 8) | b[at + i * 2 + 1]!;
  return groups;
}

const V4_MAPPED_TEXT = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * The same rule for an address already in text (trace events print it so): the IPv4 text if
 * `ip` is ::ffff:a.b.c.d, else undefined.
 */
export function v4MappedFromText(ip: string): string | undefined {
  return V4_MAPPED_TEXT.exec(ip)?.[1];
}
