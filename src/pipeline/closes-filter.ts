// Per sink, whether it gets connection_closed records: each TCP connection then makes two
// records, which a syslog receiver or a SIEM pays for, so only the sinks configured for them
// (the store by default) get them, and the kernel sends closes only when some sink wants them.
import type { ConnectionEvent } from '../core/connection-event';
import type { Sink, SinkStats } from '../core/stages';
import type { Config } from '../config/schema';

/** sink without the closes: they count as skipped (left out by design), not as dropped. */
export function withoutCloses(sink: Sink): Sink {
  let skipped = 0;
  const filtered: Sink = {
    name: sink.name,
    write(ev: ConnectionEvent): void {
      if (ev.action === 'connection_closed' && !ev.alert) {
        skipped++;
        return;
      }
      sink.write(ev);
    },
    flush: () => sink.flush(),
    stats(): SinkStats {
      const inner = sink.stats();
      return { ...inner, skipped: (inner.skipped ?? 0) + skipped };
    },
    close: () => sink.close(),
  };
  if (sink.processEnded) filtered.processEnded = (end) => sink.processEnded?.(end);
  return filtered;
}

/** sink as it is when `closes` is on, else without the closes. */
export function closesIf(closes: boolean, sink: Sink): Sink {
  return closes ? sink : withoutCloses(sink);
}

/** Whether any sink the config builds takes closes: the capture then has to produce them. */
export function anySinkWantsCloses(config: Config): boolean {
  return (
    (config.console.enabled === true && config.console.closes) ||
    (config.store.enabled === true && config.store.path !== undefined && config.store.closes) ||
    config.sinks.file.some((f) => f.closes) ||
    config.sinks.syslog.some((s) => s.closes) ||
    config.sinks.elasticsearch.some((e) => e.closes)
  );
}
