// A thin `_bulk` client on undici (not the official client: it refuses OpenSearch, sends
// ES-9 compatibility headers 8.x rejects, and its bulk helper drops documents when a whole
// request fails). Plain application/x-ndjson works with Elasticsearch 8, 9 and OpenSearch 2.
// The spooled delivery engine owns batching, retries and the dead-letter file.
import type { Socket } from 'node:net';
import { buildConnector, Client } from 'undici';
import type { Endpoint } from '../../core/connection-event';
import type { Logger } from '../../core/context';
import { errorMessage } from '../../core/errors';
import type { AttemptResult, BatchTransport } from '../delivery';
import { bulkBody, classifyBulkResponse, normaliseDocument, retryAfterMs } from './bulk-body';
import { parseElasticsearchTarget, type ElasticsearchAuth } from './options';

export interface ElasticsearchTransportOptions extends ElasticsearchAuth {
  url: string;
  /** Per request: waiting for headers, and between body chunks. Default 30 s. */
  timeoutMs?: number;
  logger: Logger;
}

// Only status and errors are read back; filter_path keeps big responses small.
const BULK_QUERY = '?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.reason';

export function createElasticsearchTransport(opts: ElasticsearchTransportOptions): BatchTransport {
  const target = parseElasticsearchTarget(opts.url, opts);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const sockets = new Set<Socket>();
  const base = buildConnector({
    ...(target.ca ? { ca: target.ca } : {}),
    rejectUnauthorized: true,
    timeout: Math.min(timeoutMs, 10_000),
  });
  const client = new Client(target.origin, {
    connect: (o, cb) =>
      base(o, (err, socket) => {
        if (socket) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
        }
        if (err) cb(err, null);
        else cb(null, socket!);
      }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    accept: 'application/json',
    'user-agent': 'packetTrail',
    ...(target.authorization ? { authorization: target.authorization } : {}),
  };
  const path = `${target.basePath}/_bulk${BULK_QUERY}`;
  let closed = false;

  async function send(records: string[]): Promise<AttemptResult[]> {
    if (closed) return records.map(() => ({ kind: 'retry', reason: 'transport closed' }));
    const results = new Array<AttemptResult | undefined>(records.length);
    const docs: string[] = [];
    const slots: number[] = [];
    records.forEach((r, i) => {
      const n = normaliseDocument(r);
      if ('doc' in n) {
        docs.push(n.doc);
        slots.push(i);
      } else results[i] = { kind: 'fatal', reason: n.error };
    });
    if (docs.length > 0) {
      let remote: AttemptResult[];
      try {
        const res = await client.request({ method: 'POST', path, headers, body: bulkBody(docs, target.index) });
        const text = await res.body.text();
        remote = classifyBulkResponse(res.statusCode, text, docs.length, retryAfterMs(res.headers['retry-after']));
      } catch (err) {
        // Refused, reset, TLS failure or timeout: nothing is known to have arrived.
        const reason = errorMessage(err);
        remote = docs.map(() => ({ kind: 'retry', reason }));
      }
      remote.forEach((r, k) => {
        results[slots[k]!] = r;
      });
    }
    return results as AttemptResult[];
  }

  return {
    name: `elasticsearch ${target.origin}`,
    send,
    ownEndpoints(): Endpoint[] {
      const out: Endpoint[] = [];
      for (const s of sockets) if (s.localAddress && s.localPort) out.push({ ip: s.localAddress, port: s.localPort });
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // destroy, not close: a request still waiting on a dead receiver must end now.
      await client.destroy().catch((err: unknown) => opts.logger.debug({ component: 'elasticsearch', err }, 'elasticsearch client destroy failed'));
    },
  };
}
