// Addresses as 16-byte blobs, IPv4 as v4-mapped IPv6 (::ffff:a.b.c.d): one column and one
// index serve both families, and a CIDR is a range of blobs (memcmp order is numeric order),
// so `--remote 10.0.0.0/8` is an index range scan. Pure.
import { isIP } from 'node:net';
import { ipv6Text, v4MappedText } from '../../core/ip-text';

/** 16 bytes for an address text; undefined when the text is not an address. */
export function ipToBlob(ip: string): Buffer | undefined {
  const family = isIP(ip);
  if (family === 4) {
    const b = Buffer.alloc(16);
    b[10] = 0xff;
    b[11] = 0xff;
    const parts = ip.split('.');
    for (let i = 0; i < 4; i++) b[12 + i] = Number(parts[i]);
    return b;
  }
  if (family === 6) return v6Bytes(ip);
  return undefined;
}

function v6Bytes(text: string): Buffer {
  let ip = text.replace(/%.*$/, '');
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    ip = `${ip.slice(0, quad.index) + ((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = ip.includes('::') ? (ip.split('::') as [string, string]) : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  return b;
}

/** The address text of a 16-byte blob: v4-mapped blobs read back as IPv4, as the record has them. */
export function blobToIp(b: Uint8Array): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[i * 2]! << 8) | b[i * 2 + 1]!;
  return v4MappedText(g) ?? ipv6Text(g);
}

export function isV4Blob(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

export interface BlobRange {
  readonly lo: Buffer;
  readonly hi: Buffer;
}

/** An address or a CIDR as the inclusive blob range it covers; a message when it is neither. */
export function parseAddressRange(text: string): BlobRange | string {
  const [addr, bitsText, extra] = text.split('/');
  if (extra !== undefined || !addr) return 'expected an IP address or a CIDR such as 10.0.0.0/8 or 2001:db8::/32';
  const base = ipToBlob(addr);
  if (!base) return `${JSON.stringify(addr)} is not an IP address`;
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  if (bitsText === undefined) return { lo: base, hi: base };
  if (!/^\d+$/.test(bitsText) || Number(bitsText) > max) return `prefix length ${JSON.stringify(bitsText)} is not 0-${max}`;
  const bits = Number(bitsText) + (v4 ? 96 : 0);
  const lo = Buffer.from(base);
  const hi = Buffer.from(base);
  for (let bit = bits; bit < 128; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    lo[byte] = lo[byte]! & ~mask;
    hi[byte] = hi[byte]! | mask;
  }
  return { lo, hi };
}
