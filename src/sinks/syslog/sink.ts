// A syslog sink with an in-memory bounded queue (no disk): what `packettrail HOST PORT` needs
// right away. write() formats the record and queues it; one loop sends batches through the
// transport, puts back what must be retried and waits as the transport asks. A full queue
// drops the newest record and counts it. The spooled engine (src/sinks/spool/) replaces this
// for network sinks that must survive a long outage or a restart.
import type { ConnectionEvent } from '../../core/connection-event';
import type { Logger } from '../../core/context';
import { errorMessage } from '../../core/errors';
import type { Sink, SinkStats } from '../../core/stages';
import type { FormatEnv } from '../../format/ecs';
import { rfc3164Line } from '../../format/rfc3164';
import { rfc5424Line } from '../../format/rfc5424';
import { seedLine } from '../../format/seed';
import type { AttemptResult, BatchTransport } from '../delivery';
import type { SyslogTlsOptions } from './stream-transport';
import { createSyslogTransport, MAX_RECORD_BYTES } from './transport';
import { parseSyslogUrl } from './url';

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'seed';

export interface SyslogSinkOptions {
  url: string;
  format: SyslogFormat;
  tls?: SyslogTlsOptions;
  env: FormatEnv;
  logger: Logger;
  /** Records held while the receiver is slow or away (default 10000); more are dropped and counted. */
  maxQueue?: number;
  batchSize?: number;
  /** Use this transport instead of the one the URL names (the spooled engine's tests, benchmarks). */
  transport?: BatchTransport;
}

export interface SyslogSink extends Sink {
  /** The transport's own sockets, so the sensor does not record its own traffic. */
  ownEndpoints(): Array<{ ip: string; port: number }>;
  /** Delivers what it can within `timeoutMs` (default 5000), counts the rest as dropped, closes the transport. */
  close(timeoutMs?: number): Promise<void>;
}

const SEQUENCE_MAX = 2_147_483_647;

/** Renders one record for a syslog target; keeps the RFC 5424 sequenceId (1..2^31-1, wrapping). */
export function createSyslogFormatter(format: SyslogFormat, env: FormatEnv, maxBytes: number): (ev: ConnectionEvent) => string {
  let seq = 0;
  switch (format) {
    case 'rfc5424': {
      // One env object, its sequenceId advanced per record (no object per record).
      const e = { ...env, sequenceId: 0, maxBytes };
      return (ev) => {
        seq = seq >= SEQUENCE_MAX ? 1 : seq + 1;
        e.sequenceId = seq;
        return rfc5424Line(ev, e);
      };
    }
    case 'rfc3164': {
      const e = { ...env, maxBytes };
      return (ev) => rfc3164Line(ev, e);
    }
    case 'seed':
      return (ev) => seedLine(ev, env);
  }
}

export function createSyslogSink(opts: SyslogSinkOptions): SyslogSink {
  const target = parseSyslogUrl(opts.url);
  const transport = opts.transport ?? createSyslogTransport(opts.url, { logger: opts.logger, ...(opts.tls ? { tls: opts.tls } : {}) });
  const format = createSyslogFormatter(opts.format, opts.env, MAX_RECORD_BYTES[target.scheme]);
  const maxQueue = opts.maxQueue ?? 10_000;
  const batchSize = opts.batchSize ?? 200;
  const stats: SinkStats = { written: 0, dropped: 0, errors: 0 };
  const queue: string[] = [];
  let inFlight = 0;
  let closing = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];

  const notifyIdle = () => {
    if (queue.length === 0 && inFlight === 0) for (const w of idleWaiters.splice(0)) w();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  let retryDelay = 0;
  const loop = async () => {
    for (;;) {
      if (queue.length === 0) {
        notifyIdle();
        if (closing) return;
        await sleep(60_000);
        continue;
      }
      const batch = queue.splice(0, batchSize);
      inFlight = batch.length;
      let results: AttemptResult[];
      try {
        results = await transport.send(batch);
      } catch (err) {
        results = batch.map((): AttemptResult => ({ kind: 'retry', reason: errorMessage(err) }));
      }
      const again: string[] = [];
      let afterMs = 0;
      results.forEach((r, i) => {
        if (r.kind === 'ok') stats.written++;
        else if (r.kind === 'fatal') {
          stats.errors++;
          opts.logger.error({ sink: transport.name, reason: r.reason }, 'syslog record rejected');
        } else {
          again.push(batch[i]!);
          afterMs = Math.max(afterMs, r.afterMs ?? 0);
        }
      });
      inFlight = 0;
      if (again.length > 0) {
        queue.unshift(...again);
        // Oldest first stays first; if the put-back overfills the queue, drop the newest.
        const over = queue.length - maxQueue;
        if (over > 0) {
          queue.splice(maxQueue, over);
          stats.dropped += over;
        }
        if (closing && closeDeadline < Date.now()) {
          stats.dropped += queue.length;
          opts.logger.warn({ sink: transport.name, dropped: queue.length }, 'syslog sink closed with records undelivered');
          queue.length = 0;
          continue;
        }
        retryDelay = afterMs > 0 ? afterMs : Math.min(5000, Math.max(100, retryDelay * 2));
        await sleep(closing ? Math.min(retryDelay, Math.max(0, closeDeadline - Date.now())) : retryDelay);
      } else retryDelay = 0;
    }
  };

  let closeDeadline = Infinity;
  const running = loop().catch((err) => opts.logger.error({ err: errorMessage(err) }, 'syslog sink loop failed'));

  return {
    name: `syslog ${transport.name}`,
    write(ev: ConnectionEvent): void {
      if (closing) {
        stats.dropped++;
        return;
      }
      if (queue.length >= maxQueue) {
        stats.dropped++;
        return;
      }
      try {
        queue.push(format(ev));
      } catch (err) {
        stats.errors++;
        opts.logger.error({ err: errorMessage(err) }, 'syslog record could not be formatted');
        return;
      }
      wake?.();
    },
    flush(): Promise<void> {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ ...stats }),
    ownEndpoints: () => transport.ownEndpoints?.() ?? [],
    async close(timeoutMs = 5000): Promise<void> {
      closing = true;
      closeDeadline = Date.now() + timeoutMs;
      wake?.();
      await running;
      idleWaiters.forEach((w) => w());
      idleWaiters = [];
      await transport.close();
    },
  };
}
