// A syslog sink built the way the sensor builds one (src/pipeline/build-network-sinks.ts):
// the transport the URL names behind the disk spool, records rendered by the syslog
// formatter at the frame cap of the URL's scheme. Each sink spools into its own directory
// under a temp dir that the caller removes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../src/core/context';
import type { BatchTransport } from '../../../src/sinks/delivery';
import { createSpooledSink, type SpooledSink, type SpooledSinkOptions } from '../../../src/sinks/spool/spooled-sink';
import { createSyslogFormatter, createSyslogTransport, MAX_RECORD_BYTES, parseSyslogUrl, type SyslogFormat, type SyslogTlsOptions } from '../../../src/sinks/syslog';
import { ENV } from '../../helpers/events';
import { waitFor } from '../../helpers/wait';

type SpoolTuning = Pick<SpooledSinkOptions, 'maxBytes' | 'segmentBytes' | 'memoryQueueMax' | 'batchSize' | 'retry' | 'closeTimeoutMs'>;

export interface SpooledSyslogOptions extends SpoolTuning {
  url: string;
  format: SyslogFormat;
  spoolDir: string;
  tls?: SyslogTlsOptions;
  /** A transport built by the test (its own backoff); default: the one the URL names. */
  transport?: BatchTransport;
}

export function spooledSyslogSink(opts: SpooledSyslogOptions): SpooledSink {
  const { url, format, spoolDir, tls, transport, ...tuning } = opts;
  const { scheme } = parseSyslogUrl(url);
  return createSpooledSink({
    name: `syslog:${url}`,
    format: createSyslogFormatter(format, ENV, MAX_RECORD_BYTES[scheme]),
    transport: transport ?? createSyslogTransport(url, { logger: silentLogger, ...(tls ? { tls } : {}) }),
    spoolDir,
    logger: silentLogger,
    ...tuning,
  });
}

/** A fresh directory to hold spools; the caller removes it with fs.rmSync. */
export function makeSpoolRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pt-syslog-spool-'));
}

/** Waits until the receiver took `n` records in all (the sink's `written`). */
export function delivered(sink: SpooledSink, n: number, timeoutMs = 20_000): Promise<void> {
  return waitFor(() => sink.stats().written >= n, `${sink.name} to deliver ${n} records`, timeoutMs);
}

/**
 * The numbers of the `curlEvent(base + n)` records that arrived over `input`: n for each
 * record whose proc pid is 4242 + base + n (RFC 5424 structured data).
 */
export function numbersReceived(lines: Array<{ input: string; raw: string }>, input: string, base: number): Set<number> {
  const out = new Set<number>();
  for (const l of lines) {
    if (l.input !== input) continue;
    const m = / pid="(\d+)"/.exec(l.raw);
    if (m) out.add(Number(m[1]) - 4242 - base);
  }
  return out;
}
