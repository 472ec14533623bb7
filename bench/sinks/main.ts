// Sinks benchmark (`npm run bench:sinks`): records per second each sink sustains on one
// core, and the sensor's RSS during a receiver outage while records wait in the disk spool.
// Receivers run in a child process (bench/sinks/receiver-child.ts) so they do not share the
// sender's core. Elasticsearch cannot be installed here: its figure is against the local
// `_bulk` server. Options: --outage-seconds N (default 30), --rate N (default 1000/s).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { silentLogger } from '../../src/core/context';
import type { Sink } from '../../src/core/stages';
import type { AttemptResult, BatchTransport } from '../../src/sinks/delivery';
import { createElasticsearchTransport } from '../../src/sinks/elasticsearch/transport';
import { createFileSink } from '../../src/sinks/file/jsonl-file-sink';
import { createRecordFormatter } from '../../src/format/registry';
import { createSpooledSink, type SpooledSink } from '../../src/sinks/spool/spooled-sink';
import { createSyslogFormatter, createSyslogTransport } from '../../src/sinks/syslog';
import { freePort, makeTestCertificates } from '../../test/helpers/bulk-server';
import { curlEvent, ENV, formatEcs } from '../../test/helpers/events';

/** Record i: a process of its own each time (its own entity id), as on a busy host. */
const event = (i: number): ConnectionEvent => curlEvent(i, { entityId: `ent-${i}` });

interface Receiver {
  port: number;
  count(): Promise<number>;
  stop(): void;
}

async function startReceiver(kind: string, ...args: string[]): Promise<Receiver> {
  const script = path.join(__dirname, `receiver-child${path.extname(__filename)}`);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...process.execArgv, script, kind, ...args]);
  child.stderr.pipe(process.stderr);
  const lines = readline.createInterface({ input: child.stdout });
  const queue: Array<(l: string) => void> = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const next = () => new Promise<string>((r) => queue.push(r));
  const { port } = JSON.parse(await next()) as { port: number };
  return {
    port,
    count: async () => {
      const p = next();
      child.stdin.write('count\n');
      return (JSON.parse(await p) as { count: number }).count;
    },
    stop: () => {
      child.stdin.end();
      if (child.pid) setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const yieldTurn = () => new Promise((r) => setImmediate(r));

/** Writes n records as fast as the event loop allows, then waits until `done()` says so. */
async function pump(sink: Sink, n: number, done: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 1000);
    for (; i < end; i++) sink.write(event(i));
    await yieldTurn();
  }
  await sink.flush();
  while (!(await done())) await sleep(5);
  return n / ((performance.now() - t0) / 1000);
}

function spooled(name: string, dir: string, transport: BatchTransport, format: (ev: ConnectionEvent) => string): SpooledSink {
  return createSpooledSink({ name, format, transport, spoolDir: path.join(dir, name), logger: silentLogger, retry: { baseMs: 50, maxMs: 1000, factor: 2 } });
}

/** Records per second of RFC 5424 through a spooled syslog sink, until the receiver has counted all n. */
async function rfc5424Rate(name: string, dir: string, rx: Receiver, transport: BatchTransport, n: number): Promise<number> {
  const sink = spooled(name, dir, transport, createSyslogFormatter('rfc5424', ENV, 8192));
  const perSecond = await pump(sink, n, async () => (await rx.count()) >= n);
  await sink.close();
  rx.stop();
  return perSecond;
}

interface Row {
  sink: string;
  records: number;
  perSecond: number;
  note: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const outageSeconds = opt('--outage-seconds', 30);
  const rate = opt('--rate', 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-sinks-'));
  const rows: Row[] = [];
  const ecs = formatEcs;
  try {
    // First, while the process is fresh, so the RSS baseline is the sensor's own.
    await outage(dir, outageSeconds, rate, ecs);
    // 1. The spool alone: append, read back, ack, with a transport that acknowledges at once.
    {
      const instant: BatchTransport = { name: 'instant', send: async (r): Promise<AttemptResult[]> => r.map(() => ({ kind: 'ok' })), close: async () => {} };
      // Pre-rendered lines, so the figure is the spool's own cost, not the formatter's.
      const rendered = Array.from({ length: 1000 }, (_, i) => ecs(event(i)));
      const sink = spooled('spool-only', dir, instant, (ev) => rendered[ev.local.port % 1000]!);
      const n = 300_000;
      const perSecond = await pump(sink, n, async () => sink.stats().written >= n);
      await sink.close();
      rows.push({
        sink: 'disk spool alone (pre-rendered ECS)',
        records: n,
        perSecond,
        note: `append + read back + ack, ${rendered[0]!.length}-byte records, instant-ack transport`,
      });
    }
    {
      const rendered = Array.from({ length: 1000 }, (_, i) => ecs(event(i)));
      const t0 = performance.now();
      for (let i = 0; i < 100_000; i++) rendered[i % 1000] = ecs(event(i));
      rows.push({ sink: '(ECS formatting alone, for reference)', records: 100_000, perSecond: 100_000 / ((performance.now() - t0) / 1000), note: 'src/format/ecs.ts' });
    }
    // 2. JSON-lines file (no spool: a local file).
    {
      const file = path.join(dir, 'records.jsonl');
      // As the sensor builds it for `--file-format ecs`: ECS written straight into bytes.
      const sink = createFileSink({ path: file, format: ecs, encode: createRecordFormatter('ecs', ENV).encode, logger: silentLogger });
      const n = 200_000;
      const perSecond = await pump(sink, n, async () => true);
      await sink.close();
      const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
      rows.push({ sink: 'file (JSON lines, ECS)', records: n, perSecond, note: `${lines} lines on disk` });
    }
    // 3. Elasticsearch through the spool, against the local _bulk server.
    {
      const rx = await startReceiver('bulk');
      const sink = spooled('elasticsearch', dir, createElasticsearchTransport({ url: `http://127.0.0.1:${rx.port}`, logger: silentLogger }), ecs);
      const n = 100_000;
      const perSecond = await pump(sink, n, async () => (await rx.count()) >= n);
      await sink.close();
      rx.stop();
      rows.push({ sink: 'elasticsearch _bulk (ECS, spooled)', records: n, perSecond, note: 'local _bulk server in a child process; batches of 500' });
    }
    // 4. Syslog RFC 5424 over TLS, through the spool.
    {
      const certDir = path.join(dir, 'certs');
      fs.mkdirSync(certDir);
      const certs = makeTestCertificates(certDir);
      const rx = await startReceiver('tls', certDir);
      const url = `tls://127.0.0.1:${rx.port}`;
      const transport = createSyslogTransport(url, { logger: silentLogger, tls: { caFile: certs.caFile } });
      const n = 200_000;
      const perSecond = await rfc5424Rate('syslog-tls', dir, rx, transport, n);
      rows.push({ sink: 'syslog rfc5424 over TLS (spooled)', records: n, perSecond, note: 'octet-counted frames counted by a TLS receiver' });
    }
    // 4b. Syslog RFC 5424 over plain TCP (the target: >= 20,000/s), through the spool.
    {
      const rx = await startReceiver('tcp');
      const transport = createSyslogTransport(`tcp://127.0.0.1:${rx.port}`, { logger: silentLogger });
      const n = 200_000;
      const perSecond = await rfc5424Rate('syslog-tcp', dir, rx, transport, n);
      rows.push({ sink: 'syslog rfc5424 over TCP (spooled)', records: n, perSecond, note: 'octet-counted frames counted by a TCP receiver' });
    }
    // 5. Seed line over UDP, through the spool (UDP has no acknowledgement: received is reported).
    {
      const rx = await startReceiver('udp');
      const transport = createSyslogTransport(`udp://127.0.0.1:${rx.port}`, { logger: silentLogger });
      const sink = spooled('syslog-udp', dir, transport, createSyslogFormatter('seed', ENV, 2048));
      const n = 200_000;
      const perSecond = await pump(sink, n, async () => sink.stats().written >= n);
      await sleep(300);
      const got = await rx.count();
      await sink.close();
      rx.stop();
      rows.push({ sink: 'syslog seed over UDP (spooled)', records: n, perSecond, note: `${got} of ${n} datagrams received on loopback` });
    }
    console.log('\nrecords per second (one core for the sender)');
    for (const r of rows) console.log(`  ${r.sink.padEnd(44)} ${Math.round(r.perSecond).toString().padStart(8)}/s  (${r.records} records; ${r.note})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS while records wait on disk during a receiver outage, then the drain once it is back. */
async function outage(dir: string, outageSeconds: number, rate: number, ecs: (ev: ConnectionEvent) => string): Promise<void> {
  console.log(`\noutage: Elasticsearch receiver down for ${outageSeconds} s at ${rate} records/s`);
  const port = await freePort();
  const sink = spooled('outage', dir, createElasticsearchTransport({ url: `http://127.0.0.1:${port}`, logger: silentLogger, timeoutMs: 2000 }), ecs);
  for (let i = 0; i < 2000; i++) sink.write(event(i)); // warm up the code paths first
  await sink.flush();
  await sleep(500);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let written = 2000;
  const t0 = Date.now();
  while (Date.now() - t0 < outageSeconds * 1000) {
    const due = 2000 + Math.floor(((Date.now() - t0) / 1000) * rate);
    for (; written < due; written++) sink.write(event(written));
    peak = Math.max(peak, process.memoryUsage().rss);
    await sleep(10);
  }
  await sink.flush();
  const s = sink.spoolStats();
  const MB = 1024 * 1024;
  console.log(`  RSS baseline ${(baseline / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, growth ${((peak - baseline) / MB).toFixed(1)} MB (limit 50 MB)`);
  console.log(`  spooled on disk: ${(s.spoolBytes / MB).toFixed(1)} MB for ${written} records; in memory: ${s.inMemory} records; dropped ${s.dropped}`);
  const rx = await startReceiverOnPort(port);
  const d0 = Date.now();
  while ((await rx.count()) < written) await sleep(50);
  console.log(`  receiver back: ${written} records delivered in ${((Date.now() - d0) / 1000).toFixed(1)} s, ${sink.spoolStats().dropped} dropped`);
  await sink.close();
  rx.stop();
  if (peak - baseline > 50 * MB) process.exitCode = 1;
}

/** The bulk receiver on a given port (the outage's dead port coming back). */
async function startReceiverOnPort(port: number): Promise<Receiver> {
  return startReceiver('bulk', String(port));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
