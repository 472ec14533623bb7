// A local server that speaks the Elasticsearch `_bulk` API, over HTTP or HTTPS. No
// Elasticsearch or OpenSearch server can be installed on this machine (neither Debian nor npm
// has one), so the ES tests and benchmark run against this. It stores documents by `_id`
// (a second `create` of an id answers 409, as Elasticsearch does) and follows a failure
// script: per request ok, a whole-request status (429, 503, …), a dropped connection, or
// per-item statuses, so tests can assert no loss and no duplicate `_id`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';

type BulkStep =
  | 'ok'
  /** Whole request answered with this status (e.g. 429, 503), nothing stored. */
  | { status: number; retryAfterSec?: number }
  /** socket.destroy() before any answer; `afterStore` stores the documents first (lost ack). */
  | { drop: true; afterStore?: boolean }
  /** Per-item status by position in the request; undefined = normal create. */
  | { items: (index: number) => number | undefined };

interface StoredDoc {
  index: string;
  source: string;
}

interface BulkRequestInfo {
  path: string;
  headers: http.IncomingHttpHeaders;
  documents: number;
}

export interface BulkServer {
  url: string;
  port: number;
  docs: Map<string, StoredDoc>;
  requests: BulkRequestInfo[];
  counters: { created: number; conflicts: number; rejected: number; itemRetries: number; wholeFailures: number; dropped: number };
  /** Steps used one per request, in order; after the script ends every request is 'ok'. */
  script: BulkStep[];
  /** Permanent per-document rule, e.g. a mapping error for some documents. */
  rejectDoc?: (source: string) => { status: number; type: string; reason: string } | undefined;
  close(): Promise<void>;
}

export interface BulkServerOptions {
  port?: number;
  tls?: { key: Buffer | string; cert: Buffer | string };
  script?: BulkStep[];
  /** Artificial latency per request, ms. */
  delayMs?: number;
}

export async function startBulkServer(o: BulkServerOptions = {}): Promise<BulkServer> {
  const sockets = new Set<Socket>();
  const server: BulkServer = {
    url: '',
    port: 0,
    docs: new Map(),
    requests: [],
    counters: { created: 0, conflicts: 0, rejected: 0, itemRetries: 0, wholeFailures: 0, dropped: 0 },
    script: o.script ?? [],
    close: async () => {},
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => {
        try {
          handleBulk(server, req, Buffer.concat(chunks).toString('utf8'), res);
        } catch (err) {
          // A malformed body is a client bug the test should see as a 400, not a crash here.
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'parse_exception', reason: String(err) } }));
        }
      };
      if (o.delayMs) setTimeout(answer, o.delayMs);
      else answer();
    });
  };
  const srv = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  srv.on(o.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as { port: number }).port;
  server.port = port;
  server.url = `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  server.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      srv.close(() => resolve());
    });
  return server;
}

function handleBulk(server: BulkServer, req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  const url = req.url ?? '';
  if (req.method !== 'POST' || !/\/_bulk(\?|$)/.test(url)) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'not_found', reason: url } }));
    return;
  }
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const ops: Array<{ id: string; index: string; source: string }> = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const action = JSON.parse(lines[i]!) as { create?: { _index: string; _id: string } };
    if (!action.create) throw new Error(`bulk server: expected a create action, got ${lines[i]}`);
    ops.push({ id: action.create._id, index: action.create._index, source: lines[i + 1]! });
  }
  server.requests.push({ path: url, headers: req.headers, documents: ops.length });
  const step = server.script.shift() ?? 'ok';
  if (typeof step === 'object' && 'drop' in step) {
    server.counters.dropped++;
    if (step.afterStore) for (const op of ops) store(server, op);
    req.socket.destroy();
    return;
  }
  if (typeof step === 'object' && 'status' in step) {
    server.counters.wholeFailures++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (step.retryAfterSec !== undefined) headers['retry-after'] = String(step.retryAfterSec);
    res.writeHead(step.status, headers).end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'scripted failure' }, status: step.status }));
    return;
  }
  let errors = false;
  const items = ops.map((op, i) => {
    const forced = typeof step === 'object' ? step.items(i) : undefined;
    if (forced !== undefined && forced !== 201) {
      errors = true;
      if (forced === 429 || forced >= 500) server.counters.itemRetries++;
      else server.counters.rejected++;
      return { create: { _index: op.index, _id: op.id, status: forced, error: { type: 'scripted', reason: `scripted status ${forced}` } } };
    }
    const rejected = server.rejectDoc?.(op.source);
    if (rejected) {
      errors = true;
      server.counters.rejected++;
      return { create: { _index: op.index, _id: op.id, status: rejected.status, error: { type: rejected.type, reason: rejected.reason } } };
    }
    const status = store(server, op);
    if (status === 409) {
      errors = true;
      return {
        create: { _index: op.index, _id: op.id, status, error: { type: 'version_conflict_engine_exception', reason: `[${op.id}]: version conflict, document already exists` } },
      };
    }
    return { create: { _index: op.index, _id: op.id, status } };
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors, items }));
}

function store(server: BulkServer, op: { id: string; index: string; source: string }): number {
  if (server.docs.has(op.id)) {
    server.counters.conflicts++;
    return 409;
  }
  server.docs.set(op.id, { index: op.index, source: op.source });
  server.counters.created++;
  return 201;
}

export interface TestCertificates {
  caFile: string;
  key: Buffer;
  cert: Buffer;
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with openssl in `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=packetTrail test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { caFile: f('ca.pem'), key: fs.readFileSync(f('server.key')), cert: fs.readFileSync(f('server.pem')) };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
