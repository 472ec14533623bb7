// A number standing for a flow key, for the pipeline's large bounded sets: a 53-bit FNV-1a
// over the key's parts. Tens of thousands of keys a minute as numbers cost a fraction of the
// memory of as many concatenated strings; a collision (about 2^-53) only means one flow is
// taken for another in a de-duplication or reconciliation check.
const PRIME = 0x01000193;
const PRIME2 = 0x01000197;

// Two lanes, each a pure function of its running value: no state between calls and no
// closure per call (this runs twice for every record).
function mixText(h: number, s: string, prime: number): number {
  let x = h;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), prime);
  return Math.imul(x ^ 0x7c, prime);
}

function mixNumber(h: number, n: number, prime: number): number {
  return Math.imul(h ^ (n & 0xffff), prime) ^ (n >>> 16);
}

function lane(h0: number, prime: number, transport: string, lip: string, rip: string, lport: number, rport: number, pid: number): number {
  let h = mixText(h0, transport, prime);
  h = mixText(h, lip, prime);
  h = mixText(h, rip, prime);
  h = mixNumber(h, lport, prime);
  h = mixNumber(h, rport, prime);
  return mixNumber(h, pid, prime);
}

export function flowHash(transport: string, lip: string, lport: number, rip: string, rport: number, pid = -1): number {
  const h1 = lane(0x811c9dc5, PRIME, transport, lip, rip, lport, rport, pid);
  const h2 = lane(0x050c5d1f, PRIME2, transport, lip, rip, lport, rport, pid);
  // 32 bits of one and 21 of the other: an exact integer below 2^53.
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
