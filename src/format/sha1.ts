// SHA-1 of a message short enough for one 64-byte block (at most 55 bytes), in JS.
// Community ID hashes 12 to 40 bytes per connection record. crypto.hash is native, but its
// call, its base64 string and writing that string out again cost more than the 80 rounds
// done here (docs/performance.md has the measurement).

/** The longest message one block holds (64 bytes less the 0x80 marker and the 8-byte length). */
export const SHA1_ONE_BLOCK_MAX = 55;

/** The 80-word message schedule sha1OneBlock works in; a hot caller passes one it keeps. */
export function sha1Schedule(): Int32Array {
  return new Int32Array(80);
}

/**
 * Writes SHA-1(m[0, len)) into digest (5 big-endian words); len ≤ SHA1_ONE_BLOCK_MAX. The
 * schedule is the caller's scratch, so two hashers never share one.
 */
export function sha1OneBlock(m: Uint8Array, len: number, digest: Int32Array, w: Int32Array = sha1Schedule()): void {
  if (!(len >= 0 && len <= SHA1_ONE_BLOCK_MAX)) throw new RangeError(`sha1OneBlock: ${len} bytes do not fit one block`);
  w.fill(0, 0, 16);
  for (let i = 0; i < len; i++) w[i >> 2]! |= m[i]! << (24 - ((i & 3) << 3));
  w[len >> 2]! |= 0x80 << (24 - ((len & 3) << 3));
  w[15] = len << 3; // length in bits; the high word (w[14]) is 0
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = H0;
  let b = H1;
  let c = H2;
  let d = H3;
  let e = H4;
  let t = 0;
  for (; t < 20; t++) {
    const next = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + K0 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 40; t++) {
    const next = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 60; t++) {
    const next = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + K2 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 80; t++) {
    const next = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K3 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  digest[0] = (H0 + a) | 0;
  digest[1] = (H1 + b) | 0;
  digest[2] = (H2 + c) | 0;
  digest[3] = (H3 + d) | 0;
  digest[4] = (H4 + e) | 0;
}

// FIPS 180-4 initial hash value and round constants, as signed 32-bit integers.
const H0 = 0x67452301;
const H1 = 0xefcdab89 | 0;
const H2 = 0x98badcfe | 0;
const H3 = 0x10325476;
const H4 = 0xc3d2e1f0 | 0;
const K0 = 0x5a827999;
const K1 = 0x6ed9eba1;
const K2 = 0x8f1bbcdc | 0;
const K3 = 0xca62c1d6 | 0;

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
/** Length of a 20-byte digest in padded base64. */
export const SHA1_BASE64_LENGTH = 28;

/** Byte k of the big-endian digest; 0 past its 20 bytes (base64's padding group). */
function digestByte(digest: Int32Array, k: number): number {
  return k < 20 ? (digest[k >> 2]! >>> (24 - ((k & 3) << 3))) & 0xff : 0;
}

/** Writes the digest as padded base64 (28 bytes) at out[at]. */
export function writeDigestBase64(digest: Int32Array, out: Uint8Array, at: number): void {
  let o = at;
  // Seven groups of three bytes: the digest and one zero byte.
  for (let i = 0; i < 21; i += 3) {
    const v = (digestByte(digest, i) << 16) | (digestByte(digest, i + 1) << 8) | digestByte(digest, i + 2);
    out[o++] = BASE64[v >>> 18]!;
    out[o++] = BASE64[(v >>> 12) & 63]!;
    out[o++] = BASE64[(v >>> 6) & 63]!;
    out[o++] = BASE64[v & 63]!;
  }
  out[at + 27] = 0x3d; // '=': 20 bytes are 27 characters and one of padding
}
