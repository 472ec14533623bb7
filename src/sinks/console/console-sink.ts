// One readable line per connection on stdout, for people watching the sensor run.
import type { ConnectionEvent } from '../../core/connection-event';
import type { Sink, SinkStats } from '../../core/stages';
import { seedValue } from '../../format/seed';
import { escapeText } from '../../format/escape-text';
import { isoMicros } from '../../format/timestamp';

export function consoleLine(ev: ConnectionEvent): string {
  const p = ev.process;
  const who = p ? `${seedValue(p.name)}[${p.pid}]${p.userName ? ` user=${seedValue(p.userName)}` : ''}` : 'unknown-process';
  const arrow = ev.direction === 'egress' ? '->' : '<-';
  const ep = (e: { ip: string; port: number }) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  const tail = ev.outcome === 'failure' ? ' FAILED' : ev.preexisting ? ' (already open)' : '';
  const exe = p?.executable ? ` exe=${seedValue(p.executable)}` : '';
  // An alert leads with its rule so it stands out among the connection lines; its reason
  // carries process names, escaped so none can start a line of its own.
  if (ev.alert) return `${isoMicros(ev.timeUs)} ALERT ${ev.alert.rule}: ${escapeText(ev.alert.reason)} (${ep(ev.remote)} ${who}${exe} id=${ev.alert.id})`;
  return `${isoMicros(ev.timeUs)} ${ev.action} ${ev.transport} ${ep(ev.local)} ${arrow} ${ep(ev.remote)} ${who}${exe}${tail}`;
}

const MAX_BUFFERED = 16 * 1024 * 1024;

/** `reports` says which records the format reports; the others are skipped (counted, not an error). */
export function createConsoleSink(format: (ev: ConnectionEvent) => string = consoleLine, reports?: (ev: ConnectionEvent) => boolean): Sink {
  const stats: Required<SinkStats> = { written: 0, dropped: 0, errors: 0, skipped: 0 };
  return {
    name: 'console',
    write(ev) {
      if (reports && !reports(ev)) {
        stats.skipped++;
        return;
      }
      // stdout may be a pipe to a slow reader: Node buffers it; past a cap we count drops.
      if (process.stdout.writableLength > MAX_BUFFERED) {
        stats.dropped++;
        return;
      }
      process.stdout.write(`${format(ev)}\n`);
      stats.written++;
    },
    async flush() {
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    },
    stats: () => ({ ...stats }),
    async close() {
      await this.flush();
    },
  };
}
