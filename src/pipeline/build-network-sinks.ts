// Network sinks (syslog, Elasticsearch): each a transport behind its own disk spool, so a
// dead receiver neither loses records nor delays the other sinks.
import { join } from 'node:path';
import type { Context } from '../core/context';
import type { Sink } from '../core/stages';
import type { BatchTransport } from '../sinks/delivery';
import type { Config } from '../config/schema';
import type { FormatEnv } from '../format/env';
import { createRecordFormatter } from '../format/registry';
import { createSyslogFormatter, createSyslogTransport, MAX_RECORD_BYTES, parseSyslogUrl } from '../sinks/syslog';
import { createSpooledSink } from '../sinks/spool/spooled-sink';
import type { OwnTraffic } from './own-traffic';
import { closesIf } from './closes-filter';
import { defaultStateDir } from '../config/state-dir';

type SpoolConfig = Config['spool'];

/** A directory name for a sink: readable, and no path tricks from the URL. */
function spoolDirName(kind: string, url: string): string {
  return `${kind}-${url.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_')}`.slice(0, 120);
}

export async function createNetworkSinks(config: Config, ctx: Context, env: FormatEnv, own: OwnTraffic): Promise<Sink[]> {
  const sinks: Sink[] = [];
  const spooled = (
    name: string,
    dirName: string,
    transport: BatchTransport,
    format: (ev: Parameters<Sink['write']>[0]) => string,
    spool: SpoolConfig | undefined,
    closes: boolean,
  ) => {
    const merged = { ...config.spool, ...spool };
    const sink = createSpooledSink({
      name,
      format,
      transport,
      spoolDir: merged.dir && spool?.dir ? merged.dir : join(merged.dir ?? join(defaultStateDir(), 'spool'), dirName),
      maxBytes: merged.maxBytes,
      minFreeBytes: merged.minFreeBytes,
      logger: ctx.logger,
    });
    own.addEndpoints(() => sink.ownEndpoints());
    sinks.push(closesIf(closes, sink));
  };
  try {
    for (const s of config.sinks.syslog) {
      const { scheme } = parseSyslogUrl(s.url);
      const transport = createSyslogTransport(s.url, { tls: s.tls, logger: ctx.logger });
      spooled(`syslog:${s.url}`, spoolDirName('syslog', s.url), transport, createSyslogFormatter(s.format, env, MAX_RECORD_BYTES[scheme]), s.spool, s.closes);
    }
    for (const e of config.sinks.elasticsearch) {
      // undici is loaded only for an Elasticsearch sink.
      const { createElasticsearchTransport } = await import('../sinks/elasticsearch/transport');
      const transport = createElasticsearchTransport({
        url: e.url,
        dataStream: e.dataStream,
        apiKey: e.apiKey,
        username: e.username,
        password: e.password,
        caFile: e.caFile,
        logger: ctx.logger,
      });
      spooled(`elasticsearch:${e.url}`, spoolDirName('elasticsearch', e.url), transport, createRecordFormatter(e.format, env).line, e.spool, e.closes);
    }
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    throw err;
  }
  return sinks;
}
