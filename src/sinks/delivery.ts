// The contract between a network transport (syslog, Elasticsearch) and the spooled delivery
// engine that queues, spools to disk, retries and dead-letters.

export type AttemptResult =
  | { kind: 'ok' }
  /** Try again later (receiver down, 429, 5xx, a broken connection). */
  | { kind: 'retry'; reason: string; afterMs?: number }
  /** Rejected for good (e.g. a mapping error): goes to the dead-letter file with the reason. */
  | { kind: 'fatal'; reason: string };

export interface BatchTransport {
  readonly name: string;
  /**
   * Send already-formatted records; resolves with one result per record, in order.
   * Never rejects: failures are results. A transport without acknowledgements (TCP, TLS
   * syslog) answers ok once the bytes are written and the socket drained, and is itself
   * responsible for re-sending what it wrote just before a connection broke.
   */
  send(records: string[]): Promise<AttemptResult[]>;
  /** Local ports of the transport's own sockets, so the sensor never records its own traffic. */
  ownEndpoints?(): Array<{ ip: string; port: number }>;
  close(): Promise<void>;
}
