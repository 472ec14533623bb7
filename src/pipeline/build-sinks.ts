// Builds the sinks a validated config names. Each sink has its own queue, so a slow or dead
// one never delays another.
import type { Context } from '../core/context';
import type { Sink } from '../core/stages';
import type { Config } from '../config/schema';
import { createFileSink } from '../sinks/file/jsonl-file-sink';
import { createConsoleSink } from '../sinks/console/console-sink';
import { createRecordFormatter } from '../format/registry';
import type { FormatEnv } from '../format/env';
import type { OwnTraffic } from './own-traffic';
import { closesIf } from './closes-filter';

export async function buildSinks(config: Config, ctx: Context, own: OwnTraffic): Promise<Sink[]> {
  const env: FormatEnv = { host: ctx.host, agentVersion: ctx.agentVersion };
  const sinks: Sink[] = [];
  const formatOptions = { sigmaAllEvents: config.sigma.allEvents };
  try {
    if (config.console.enabled) {
      const f = config.console.format;
      const formatter = f === 'text' ? undefined : createRecordFormatter(f, env, formatOptions);
      sinks.push(closesIf(config.console.closes, formatter ? createConsoleSink(formatter.line, formatter.reports) : createConsoleSink()));
    }
    if (config.store.enabled && config.store.path) {
      const { createStoreSink } = await import('../sinks/store/store-sink');
      const { maxAge, maxSize } = config.store.retention;
      const store = createStoreSink({ path: config.store.path, retention: { maxAgeMs: maxAge, maxBytes: maxSize }, logger: ctx.logger, host: ctx.host });
      sinks.push(closesIf(config.store.closes, store));
    }
    for (const f of config.sinks.file) {
      const formatter = createRecordFormatter(f.format, env, formatOptions);
      sinks.push(closesIf(f.closes, createFileSink({ path: f.path, format: formatter.line, encode: formatter.encode, reports: formatter.reports, logger: ctx.logger })));
    }
    // Loaded only when named: the network clients (undici above all) cost memory and start-up.
    if (config.sinks.syslog.length > 0 || config.sinks.elasticsearch.length > 0) {
      const { createNetworkSinks } = await import('./build-network-sinks');
      sinks.push(...(await createNetworkSinks(config, ctx, env, own)));
    }
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    throw err;
  }
  return sinks;
}
