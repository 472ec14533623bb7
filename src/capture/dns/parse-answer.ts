// Turns the payload of a DNS answer (as the kernel copied it) into a DnsAnswer, with the
// dns-packet library: the payload comes from the network and may be anything, so every
// failure is a counted kind, never an exception. dns-packet does not check that a record ends
// inside the buffer (a cut address decodes as "127.0.undefined.undefined"), so what it read
// is checked against the payload's length and every address must be one.
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsAddress, DnsAnswer } from '../../core/dns-answer';

/** Why a payload gave no answer; stable names for the stats record. */
type DnsParseFailure =
  /** dns-packet could not decode it (garbled, or cut by the kernel's copy limit). */
  | 'malformed'
  /** A TCP segment that does not hold a whole length-prefixed message (a continuation, or a long answer). */
  | 'tcp_partial'
  /** A query, not a response (a DNS server on this host receiving from a client's port 53). */
  | 'not_response'
  /** A response without a question. */
  | 'no_question';

export type ParsedDns = { readonly answer: DnsAnswer } | { readonly failure: DnsParseFailure } | { readonly empty: true };

export interface DnsPayload {
  readonly timeUs: number;
  readonly pid: number;
  readonly tcp: boolean;
  readonly bytes: Buffer;
}

/** The answer in `p`; `empty` for a valid response without A/AAAA records (NXDOMAIN, MX, ...). */
export function parseDnsAnswer(p: DnsPayload): ParsedDns {
  let packet: dnsPacket.Packet | null;
  try {
    packet = p.tcp ? dnsPacket.streamDecode(p.bytes) : dnsPacket.decode(p.bytes);
  } catch {
    return { failure: 'malformed' };
  }
  if (!packet) return { failure: 'tcp_partial' };
  const read = p.tcp ? dnsPacket.streamDecode.bytes + 2 : dnsPacket.decode.bytes;
  if (read > p.bytes.length) return { failure: 'malformed' };
  if (packet.type !== 'response') return { failure: 'not_response' };
  const question = packet.questions?.[0];
  if (!question || typeof question.name !== 'string' || question.name === '') return { failure: 'no_question' };
  const addresses: DnsAddress[] = [];
  let canonicalName: string | undefined;
  for (const rr of packet.answers ?? []) {
    if (rr.type === 'A' || rr.type === 'AAAA') {
      if (typeof rr.data !== 'string' || isIP(rr.data) !== (rr.type === 'A' ? 4 : 6)) return { failure: 'malformed' };
      addresses.push({ ip: rr.data, ttlS: rr.ttl ?? 0 });
      canonicalName ??= rr.name.toLowerCase();
    }
  }
  if (addresses.length === 0) return { empty: true };
  const name = question.name.toLowerCase();
  return {
    answer: { timeUs: p.timeUs, pid: p.pid, question: name, addresses, canonicalName: canonicalName === name ? undefined : canonicalName },
  };
}
