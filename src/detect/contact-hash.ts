// The key of the first-seen and beacon tables, (executable, remote address, port), as a 53-bit
// FNV-1a number instead of a concatenated string: a fresh string per connection has to be
// built, flattened and hashed before a Map can find it, which cost the detectors more than
// all their other work together. A collision (about 2^-53 per pair of keys) only means one
// pair is taken for another already seen.
const PRIME = 0x01000193;
const PRIME2 = 0x01000197;

export function contactHash(exe: string, ip: string, port: number): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < exe.length; i++) {
    const c = exe.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME);
    b = Math.imul(b ^ c, PRIME2);
  }
  // A separator no path or address holds, so ("ab", "c") and ("a", "bc") differ.
  a = Math.imul(a ^ 0x7c, PRIME);
  b = Math.imul(b ^ 0x7c, PRIME2);
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME);
    b = Math.imul(b ^ c, PRIME2);
  }
  a = Math.imul(a ^ port, PRIME);
  b = Math.imul(b ^ port, PRIME2);
  // 32 bits of one and 21 of the other: an exact integer below 2^53.
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
