// The one connection a stream transport (TCP/TLS, RELP) writes on, opened when a send needs
// it. While the receiver is away, attempts are spaced by the backoff: between them a send is
// told when to try again instead of connecting, and concurrent sends share one attempt.
import type net from 'node:net';
import type { Logger } from '../../core/context';
import { errorMessage } from '../../core/errors';
import type { AttemptResult } from '../delivery';
import type { Backoff } from '../retry';

export interface ReconnectorOptions<C> {
  /** The receiver, as retry reasons name it. */
  readonly target: string;
  readonly open: () => Promise<C>;
  readonly backoff: Backoff;
  readonly log: Logger;
  /** The socket under a connection: its local address is logged and left out of capture. */
  readonly socketOf: (c: C) => net.Socket;
}

export class Reconnector<C extends { readonly broken?: boolean }> {
  private conn: C | undefined;
  private connecting: Promise<C> | undefined;
  private nextAttemptAt = 0;
  private lastError = '';

  constructor(private readonly opts: ReconnectorOptions<C>) {}

  /** The open connection, if any. */
  get current(): C | undefined {
    return this.conn;
  }

  /** The local address and port of the open connection (the sensor's own traffic). */
  ownEndpoints(): { ip: string; port: number }[] {
    const sock = this.conn && this.opts.socketOf(this.conn);
    return sock?.localAddress && sock.localPort ? [{ ip: sock.localAddress, port: sock.localPort }] : [];
  }

  /** Milliseconds until the next connect attempt may start (0 or less: now). */
  msToNextAttempt(): number {
    return this.nextAttemptAt - Date.now();
  }

  /** Forgets c when it is the current connection: it broke, or the transport closes it. */
  forget(c: C): void {
    if (this.conn === c) this.conn = undefined;
  }

  /** The open connection, a new one, or when to retry (the attempt failed or it is too early). */
  async ready(): Promise<C | AttemptResult> {
    if (this.conn && !this.conn.broken) return this.conn;
    const { target, backoff, log } = this.opts;
    const wait = this.msToNextAttempt();
    if (wait > 0) return { kind: 'retry', reason: `${target}: ${this.lastError}`, afterMs: wait };
    this.connecting ??= this.opts.open().finally(() => (this.connecting = undefined));
    try {
      const c = await this.connecting;
      backoff.reset();
      this.conn = c;
      const sock = this.opts.socketOf(c);
      log.info({ local: `${sock.localAddress}:${sock.localPort}` }, 'connected');
      return c;
    } catch (err) {
      this.lastError = errorMessage(err);
      const delay = backoff.next();
      this.nextAttemptAt = Date.now() + delay;
      log.warn({ err, retryInMs: delay }, 'connect failed');
      return { kind: 'retry', reason: `${target}: ${this.lastError}`, afterMs: delay };
    }
  }
}
