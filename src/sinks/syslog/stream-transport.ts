// Syslog over TCP (RFC 6587 octet counting) and TLS (RFC 5425). Neither carries an
// acknowledgement, so bytes the kernel accepted just before a connection broke may never
// have reached the receiver. This transport keeps a resend window of the frames written in
// the last few seconds and, after a break, writes them again first on the next connection:
// duplicates are possible, losses (within the window) are not. The resend does not wait for
// the next record: a sensor that goes quiet after a break still reconnects and resends.
// Writes wait for 'drain' (ignoring backpressure once queued >100 MiB in the process).
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../core/context';
import { errorMessage, PtError } from '../../core/errors';
import { connectWithTimeout } from './connect';
import type { AttemptResult, BatchTransport } from '../delivery';
import { Backoff } from '../retry';
import { octetFrames } from './octet-framing';
import { Reconnector } from './reconnector';
import { serialSender } from './serial-send';

export interface SyslogTlsOptions {
  /** PEM file of the CA(s) that sign the receiver's certificate; default: Node's bundled roots. */
  caFile?: string | undefined;
  /** Client certificate and key (PEM files) for receivers that require mutual TLS. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** Name the receiver's certificate must carry; default the URL's host. */
  serverName?: string | undefined;
}

export interface StreamTransportOptions {
  scheme: 'tcp' | 'tls';
  host: string;
  port: number;
  logger: Logger;
  tls?: SyslogTlsOptions | undefined;
  /** Frames written within this long before a break are written again (default 10 s). */
  resendWindowMs?: number;
  /** At most this many frames / bytes are kept for resending (default 20000 / 32 MiB). */
  resendMaxRecords?: number;
  resendMaxBytes?: number;
  connectTimeoutMs?: number;
  /** A send that cannot drain for this long breaks the connection (default 30 s). */
  sendTimeoutMs?: number;
  backoff?: Backoff;
}

export interface StreamTransport extends BatchTransport {
  /** Frames written a second time after a broken connection. */
  resentCount(): number;
}

interface Frame {
  buf: Buffer;
  /** When it was last written; undefined while it waits to be resent. */
  writtenAt?: number | undefined;
}

type Conn = net.Socket & { broken?: boolean };

/** The first resend after a break waits this long, doubling per break in a row up to the max. */
const RESEND_MIN_DELAY_MS = 100;
const RESEND_MAX_DELAY_MS = 5000;

export function createStreamTransport(opts: StreamTransportOptions): StreamTransport {
  const windowMs = opts.resendWindowMs ?? 10_000;
  const maxRecords = opts.resendMaxRecords ?? 20_000;
  const maxBytes = opts.resendMaxBytes ?? 32 * 1024 * 1024;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
  const backoff = opts.backoff ?? new Backoff();
  const target = `${opts.scheme}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  // Read the TLS files once, up front: a missing file is a configuration error, not a retry.
  const tlsFiles = opts.scheme === 'tls' ? readTlsFiles(opts.tls ?? {}) : undefined;

  const log = opts.logger.child({ component: 'syslog-stream', target });
  let closed = false;
  let resent = 0;
  let window: Frame[] = [];
  let windowBytes = 0;
  let resendTimer: NodeJS.Timeout | undefined;
  // Breaks in a row without a batch getting through: a receiver that accepts and then drops
  // every connection must not be reconnected to in a tight loop.
  let breaksInARow = 0;

  const markBroken = (c: Conn, why: string) => {
    if (c.broken) return;
    c.broken = true;
    conns.forget(c);
    // Everything written recently may be lost with the connection: resend it.
    const cutoff = Date.now() - windowMs;
    const keep = window.filter((f) => f.writtenAt === undefined || f.writtenAt >= cutoff);
    for (const f of keep) f.writtenAt = undefined;
    window = keep;
    windowBytes = keep.reduce((n, f) => n + f.buf.length, 0);
    if (closed) return;
    log.warn({ reason: why, toResend: keep.length }, 'syslog connection broken');
    if (keep.length > 0) resendSoon(Math.min(RESEND_MAX_DELAY_MS, RESEND_MIN_DELAY_MS * 2 ** breaksInARow));
    breaksInARow = Math.min(breaksInARow + 1, 16);
  };

  const hasPending = () => window.some((f) => f.writtenAt === undefined);

  /** Reconnects and writes the frames awaiting resend, without waiting for a new record (retrying on the backoff). */
  const resendSoon = (afterMs: number) => {
    if (closed || resendTimer) return;
    resendTimer = setTimeout(() => {
      resendTimer = undefined;
      // An empty send writes what awaits resending (sendNow does that first), in order with other sends.
      void serial.send([]).then(() => {
        if (hasPending()) resendSoon(Math.max(RESEND_MIN_DELAY_MS, conns.msToNextAttempt()));
      });
    }, afterMs);
    resendTimer.unref();
  };

  const connect = async (): Promise<Conn> => {
    const socket: Conn =
      opts.scheme === 'tls'
        ? tls.connect({
            host: opts.host,
            port: opts.port,
            ...tlsFiles,
            // Node checks the certificate against servername, else host; SNI may not be an IP.
            ...(opts.tls?.serverName ? { servername: opts.tls.serverName } : net.isIP(opts.host) ? {} : { servername: opts.host }),
            minVersion: 'TLSv1.2',
            rejectUnauthorized: true,
          })
        : net.connect({ host: opts.host, port: opts.port });
    const c = await connectWithTimeout(socket, opts.scheme === 'tls' ? 'secureConnect' : 'connect', connectTimeoutMs);
    c.on('error', (err) => markBroken(c, errorMessage(err)));
    c.on('close', () => markBroken(c, 'closed'));
    c.on('end', () => markBroken(c, 'closed by the receiver'));
    c.on('data', () => {}); // a syslog receiver sends nothing; never let it pile up
    return c;
  };

  const conns = new Reconnector<Conn>({ target, open: connect, backoff, log, socketOf: (c) => c });

  /** Writes the buffers in order, waiting for 'drain'; true once the last one reached the kernel. */
  const writeAll = async (c: Conn, bufs: Buffer[]): Promise<boolean> => {
    for (let i = 0; i < bufs.length; i++) {
      if (c.broken) return false;
      const last = i === bufs.length - 1;
      if (last) {
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            c.destroy(new Error(`send did not drain within ${sendTimeoutMs} ms`));
            resolve(false);
          }, sendTimeoutMs);
          c.write(bufs[i]!, (err) => {
            clearTimeout(timer);
            resolve(!err && !c.broken);
          });
        });
      }
      if (!c.write(bufs[i]!) && !(await drained(c, sendTimeoutMs))) return false;
    }
    return !c.broken;
  };

  const sendNow = async (records: string[]): Promise<AttemptResult[]> => {
    if (closed) return records.map(() => ({ kind: 'retry', reason: 'transport closed' }));
    const r = await conns.ready();
    if (!(r instanceof net.Socket)) return records.map(() => r);
    const c = r;
    const pending = window.filter((f) => f.writtenAt === undefined);
    if (pending.length > 0) {
      if (!(await writeAll(c, [Buffer.concat(pending.map((f) => f.buf))]))) return records.map(() => retryBroken());
      const now = Date.now();
      for (const f of pending) f.writtenAt = now;
      resent += pending.length;
      log.info({ resent: pending.length }, 'syslog resent frames written before the break');
    }
    const { joined, frames } = octetFrames(records);
    if (frames.length > 0 && !(await writeAll(c, [joined]))) return records.map(() => retryBroken());
    remember(frames);
    if (frames.length > 0) breaksInARow = 0;
    return records.map(() => ({ kind: 'ok' }));
  };

  const retryBroken = (): AttemptResult => ({ kind: 'retry', reason: `${target}: connection broke while sending`, afterMs: 0 });

  const remember = (frames: Buffer[]) => {
    const now = Date.now();
    for (const buf of frames) {
      window.push({ buf, writtenAt: now });
      windowBytes += buf.length;
    }
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < window.length && window[drop]!.writtenAt !== undefined && (window[drop]!.writtenAt! < cutoff || window.length - drop > maxRecords || windowBytes > maxBytes)) {
      windowBytes -= window[drop]!.buf.length;
      drop++;
    }
    if (drop > 0) window = window.slice(drop);
  };

  const serial = serialSender(sendNow);
  return {
    name: target,
    send: serial.send,
    ownEndpoints: () => conns.ownEndpoints(),
    resentCount: () => resent,
    async close() {
      await serial.idle();
      closed = true;
      if (resendTimer) clearTimeout(resendTimer);
      resendTimer = undefined;
      if (hasPending()) log.warn({ notResent: window.filter((f) => f.writtenAt === undefined).length }, 'syslog closed before frames written before a break could be resent');
      const c = conns.current;
      if (c) conns.forget(c);
      if (c && !c.destroyed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            c.destroy();
            resolve();
          }, 2000);
          c.end(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

function drained(c: Conn, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      c.off('drain', onDrain);
      c.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => {
      c.destroy(new Error(`send did not drain within ${timeoutMs} ms`));
      done(false);
    }, timeoutMs);
    c.on('drain', onDrain);
    c.on('close', onClose);
  });
}

function readTlsFiles(o: SyslogTlsOptions): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (what: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new PtError('E_CONFIG', `syslog TLS ${what} ${JSON.stringify(file)}: ${errorMessage(err)}`);
    }
  };
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) {
    throw new PtError('E_CONFIG', 'syslog TLS: a client certificate needs both certFile and keyFile');
  }
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (o.caFile) out.ca = read('caFile', o.caFile);
  if (o.certFile) out.cert = read('certFile', o.certFile);
  if (o.keyFile) out.key = read('keyFile', o.keyFile);
  return out;
}
