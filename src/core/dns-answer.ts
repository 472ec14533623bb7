// A DNS answer seen arriving at a local socket: which name the process asked for and the
// addresses it got. Capture tiers produce it; the pipeline's domain stage learns from it.

export interface DnsAddress {
  readonly ip: string;
  /** Time to live the answer gave, seconds. */
  readonly ttlS: number;
}

export interface DnsAnswer {
  /** When the answer arrived, epoch microseconds. */
  readonly timeUs: number;
  /** The process whose socket asked (tgid); 0 when the query's socket was not seen. */
  readonly pid: number;
  /** The name in the question, lower case, without the final dot: what the program asked for. */
  readonly question: string;
  /** The A/AAAA addresses of the answer section (through any CNAME chain). */
  readonly addresses: readonly DnsAddress[];
  /** The last name of a CNAME chain the addresses belong to, when it differs from the question. */
  readonly canonicalName?: string | undefined;
}
