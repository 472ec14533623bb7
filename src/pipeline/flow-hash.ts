// A number standing for a flow key, for the pipeline's large bounded sets: a 53-bit FNV-1a
// over the key's parts. Tens of thousands of keys a minute as numbers cost a fraction of the
// memory of as many concatenated strings; a collision (about 2^-53) only means one flow is
// taken for another in a de-duplication or reconciliation check.
const PRIME = 0x01000193;

export function flowHash(transport: string, lip: string, lport: number, rip: string, rport: number, pid = -1): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, PRIME);
      h2 = Math.imul(h2 ^ c, 0x01000197);
    }
    h1 = Math.imul(h1 ^ 0x7c, PRIME);
    h2 = Math.imul(h2 ^ 0x7c, 0x01000197);
  };
  mix(transport);
  mix(lip);
  mix(rip);
  // Unrolled (no array of the three per call: this runs for every record).
  h1 = Math.imul(h1 ^ (lport & 0xffff), PRIME) ^ (lport >>> 16);
  h2 = Math.imul(h2 ^ (lport & 0xffff), 0x01000197) ^ (lport >>> 16);
  h1 = Math.imul(h1 ^ (rport & 0xffff), PRIME) ^ (rport >>> 16);
  h2 = Math.imul(h2 ^ (rport & 0xffff), 0x01000197) ^ (rport >>> 16);
  h1 = Math.imul(h1 ^ (pid & 0xffff), PRIME) ^ (pid >>> 16);
  h2 = Math.imul(h2 ^ (pid & 0xffff), 0x01000197) ^ (pid >>> 16);
  // 32 bits of one and 21 of the other: an exact integer below 2^53.
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
