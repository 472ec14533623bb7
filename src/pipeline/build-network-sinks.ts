// Network sinks (syslog, Elasticsearch) from the config.
import type { Context } from '../core/context';
import type { Sink } from '../core/stages';
import type { Config } from '../cli/config-schema';
import type { FormatEnv } from '../format/ecs';
import { createSyslogSink } from '../sinks/syslog';
import type { OwnTraffic } from './own-traffic';

export async function createNetworkSinks(config: Config, ctx: Context, env: FormatEnv, own: OwnTraffic): Promise<Sink[]> {
  const sinks: Sink[] = [];
  for (const s of config.sinks.syslog) {
    const sink = createSyslogSink({ url: s.url, format: s.format, tls: s.tls, env, logger: ctx.logger });
    sinks.push(sink);
  }
  void own;
  return sinks;
}
