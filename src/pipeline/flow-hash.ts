// A number standing for a flow key, for the pipeline's large bounded sets: a 53-bit FNV-1a
// over the key's parts. Tens of thousands of keys a minute as numbers cost a fraction of the
// memory of as many concatenated strings; a collision (about 2^-53) only means one flow is
// taken for another in a de-duplication or reconciliation check.
const PRIME = 0x01000193;
const PRIME2 = 0x01000197;

// The two running hashes live here rather than in a closure over locals: this runs twice for
// every record, and a closure per call was a context and a function of garbage each time.
let h1 = 0;
let h2 = 0;

function mix(s: string): void {
  let a = h1;
  let b = h2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME);
    b = Math.imul(b ^ c, PRIME2);
  }
  h1 = Math.imul(a ^ 0x7c, PRIME);
  h2 = Math.imul(b ^ 0x7c, PRIME2);
}

function mixNumber(n: number): void {
  h1 = Math.imul(h1 ^ (n & 0xffff), PRIME) ^ (n >>> 16);
  h2 = Math.imul(h2 ^ (n & 0xffff), PRIME2) ^ (n >>> 16);
}

export function flowHash(transport: string, lip: string, lport: number, rip: string, rport: number, pid = -1): number {
  h1 = 0x811c9dc5;
  h2 = 0x050c5d1f;
  mix(transport);
  mix(lip);
  mix(rip);
  mixNumber(lport);
  mixNumber(rport);
  mixNumber(pid);
  // 32 bits of one and 21 of the other: an exact integer below 2^53.
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
