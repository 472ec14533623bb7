// Syslog over RELP: every record is acknowledged by the receiver (`rsp 200`). Up to `window`
// records are in flight at once; a record whose acknowledgement did not arrive before the
// connection broke is answered `retry`, so the caller sends it again on a new connection:
// at-least-once, duplicates possible, no loss.
import net from 'node:net';
import type { Logger } from '../../core/context';
import { connectWithTimeout } from './connect';
import { errorMessage } from '../../core/errors';
import type { AttemptResult, BatchTransport } from '../delivery';
import { Backoff } from '../retry';
import { decodeRelpFrame, encodeRelpFrame, parseRelpResponse, RELP_MAX_TXNR } from './relp-codec';
import { Reconnector } from './reconnector';
import { serialSender } from './serial-send';

export interface RelpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Records sent before waiting for acknowledgements (default 128, librelp's default). */
  window?: number;
  connectTimeoutMs?: number;
  /** An acknowledgement missing this long breaks the connection (default 30 s). */
  ackTimeoutMs?: number;
  backoff?: Backoff;
  software?: string;
}

type Waiter = (r: AttemptResult) => void;

interface Session {
  sock: net.Socket;
  broken: boolean;
  nextTxnr: number;
  inflight: Map<number, Waiter>;
  slotWaiters: Array<() => void>;
}

export function createRelpTransport(opts: RelpTransportOptions): BatchTransport {
  const windowSize = opts.window ?? 128;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 30_000;
  const backoff = opts.backoff ?? new Backoff();
  const target = `relp://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const log = opts.logger.child({ component: 'relp', target });
  let closed = false;

  const breakSession = (s: Session, why: string) => {
    if (s.broken) return;
    s.broken = true;
    sessions.forget(s);
    s.sock.destroy();
    const reason = `${target}: ${why}`;
    for (const w of s.inflight.values()) w({ kind: 'retry', reason, afterMs: 0 });
    s.inflight.clear();
    for (const w of s.slotWaiters.splice(0)) w();
    if (!closed) log.warn({ reason: why }, 'relp connection broken');
  };

  const txnr = (s: Session): number => {
    const t = s.nextTxnr;
    s.nextTxnr = t >= RELP_MAX_TXNR ? 1 : t + 1;
    return t;
  };

  /** Sends a command and resolves with its rsp (ok for 200, retry otherwise or on a break). */
  const command = (s: Session, cmd: string, data: string): Promise<AttemptResult> => {
    const t = txnr(s);
    const p = new Promise<AttemptResult>((resolve) => {
      const timer = setTimeout(() => breakSession(s, `no acknowledgement for txnr ${t} within ${ackTimeoutMs} ms`), ackTimeoutMs);
      s.inflight.set(t, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    if (!s.sock.write(encodeRelpFrame(t, cmd, data))) {
      // Backpressure: the next write waits for 'drain' (see waitWritable).
      (s.sock as net.Socket & { needsDrain?: boolean }).needsDrain = true;
    }
    return p;
  };

  const onData = (s: Session, chunk: Buffer, state: { buf: Buffer }) => {
    state.buf = state.buf.length ? Buffer.concat([state.buf, chunk]) : chunk;
    let off = 0;
    for (;;) {
      const r = decodeRelpFrame(state.buf, off);
      if (r.kind === 'more') break;
      if (r.kind === 'error') return breakSession(s, `bad frame from receiver: ${r.reason}`);
      off = r.next;
      const { txnr: t, command: cmd, data } = r.frame;
      if (cmd === 'serverclose') return breakSession(s, 'receiver closed the session');
      if (cmd !== 'rsp') continue;
      const w = s.inflight.get(t);
      if (!w) continue;
      s.inflight.delete(t);
      const rsp = parseRelpResponse(data);
      if ('error' in rsp) w({ kind: 'retry', reason: `${target}: ${rsp.error}` });
      else if (rsp.code === 200) w({ kind: 'ok' });
      else w({ kind: 'retry', reason: `${target}: rsp ${rsp.code} ${rsp.text}`, afterMs: 1000 });
      s.slotWaiters.shift()?.();
    }
    state.buf = state.buf.subarray(off);
  };

  const open = async (): Promise<Session> => {
    const sock = await connectWithTimeout(net.connect({ host: opts.host, port: opts.port }), 'connect', connectTimeoutMs);
    const s: Session = { sock, broken: false, nextTxnr: 1, inflight: new Map(), slotWaiters: [] };
    const state = { buf: Buffer.alloc(0) };
    sock.on('data', (chunk: Buffer) => onData(s, chunk, state));
    sock.on('error', (err) => breakSession(s, errorMessage(err)));
    sock.on('close', () => breakSession(s, 'closed'));
    const offer = `relp_version=0\nrelp_software=${opts.software ?? 'packetTrail'}\ncommands=syslog`;
    const r = await command(s, 'open', offer);
    if (r.kind === 'ok') return s;
    breakSession(s, 'open refused');
    throw new Error(`open refused: ${r.reason}`);
  };

  const sessions = new Reconnector<Session>({
    target,
    open,
    backoff,
    log,
    socketOf: (s) => s.sock,
  });

  const waitWritable = async (s: Session): Promise<void> => {
    while (!s.broken && s.inflight.size >= windowSize) await new Promise<void>((r) => s.slotWaiters.push(r));
    const sock = s.sock as net.Socket & { needsDrain?: boolean };
    if (!s.broken && sock.needsDrain && sock.writableNeedDrain) {
      await new Promise<void>((r) => {
        const done = () => {
          sock.off('drain', done);
          sock.off('close', done);
          r();
        };
        sock.on('drain', done);
        sock.on('close', done);
      });
    }
    sock.needsDrain = false;
  };

  const sendNow = async (records: string[]): Promise<AttemptResult[]> => {
    if (closed) return records.map(() => ({ kind: 'retry', reason: 'transport closed' }));
    const r = await sessions.ready();
    if (!('sock' in r)) return records.map(() => r);
    const s = r;
    const results: Array<Promise<AttemptResult>> = [];
    for (const rec of records) {
      await waitWritable(s);
      if (s.broken) {
        results.push(Promise.resolve({ kind: 'retry', reason: `${target}: connection broke while sending`, afterMs: 0 }));
        continue;
      }
      results.push(command(s, 'syslog', rec));
    }
    return Promise.all(results);
  };

  const serial = serialSender(sendNow);
  return {
    name: target,
    send: serial.send,
    ownEndpoints: () => sessions.ownEndpoints(),
    async close() {
      await serial.idle();
      closed = true;
      const s = sessions.current;
      if (!s || s.broken) return;
      // A polite close: the receiver answers rsp, then we hang up.
      await Promise.race([command(s, 'close', ''), new Promise((r) => setTimeout(r, 2000))]);
      breakSession(s, 'closed by us');
    },
  };
}
