// Beacon: an executable reaching the same remote address and port at regular intervals —
// the check-in of an implant, whatever process runs it each time. Contacts closer together
// than the burst gap count as one (a client opening several connections at once). Once the
// last minCount intervals, on average no shorter than the minimum period, vary by no more than
// maxJitter (coefficient of variation), one alert with the period and a score (1 for a
// perfect clock); irregular traffic raises none.
import type { ConnectionEvent } from '../core/connection-event';
import { BoundedMap } from './bounded-map';
import type { Finding } from './finding';
import { intervalStats } from './interval-stats';
import type { BeaconOptions } from './options';
import { endpointText } from './alert-event';

interface Series {
  /** Start times of the most recent contacts, oldest first (at most minCount + 1). */
  readonly times: number[];
  /** Time of the latest connect, which may extend the latest contact as a burst. */
  lastUs: number;
  done: boolean;
}

export interface BeaconStats {
  readonly series: number;
  readonly seriesEvicted: number;
}

export class BeaconDetector {
  private readonly series: BoundedMap<number, Series>;

  constructor(
    private readonly opts: BeaconOptions,
    maxKeys: number,
  ) {
    if (opts.minCount < 2) throw new RangeError('a beacon needs at least two intervals');
    this.series = new BoundedMap(maxKeys);
  }

  /** An egress contact; hash is its contactHash (executable and remote end). */
  contact(ev: ConnectionEvent, exe: string, hash: number, allowed: boolean): Finding | undefined {
    const t = ev.timeUs;
    const s = this.series.get(hash);
    if (!s) {
      this.series.set(hash, { times: [t], lastUs: t, done: false });
      return undefined;
    }
    if (s.done) return undefined;
    const burst = t - s.lastUs < this.opts.burstGapUs;
    if (t > s.lastUs) s.lastUs = t;
    if (burst || t <= s.times[s.times.length - 1]!) return undefined;
    s.times.push(t);
    if (s.times.length > this.opts.minCount + 1) s.times.shift();
    if (s.times.length < this.opts.minCount + 1 || allowed) return undefined;
    const st = intervalStats(s.times);
    if (!st || st.cv > this.opts.maxJitter || st.meanUs < this.opts.minPeriodUs) return undefined;
    s.done = true;
    const periodS = Math.round(st.meanUs / 1000) / 1000;
    const score = Math.round(Math.max(0, 1 - st.cv) * 1000) / 1000;
    const p = ev.process!;
    return {
      rule: 'beacon',
      key: `${exe}|${ev.remote.ip}|${ev.remote.port}`,
      ev,
      reason: `${p.name}[${p.pid}] (${exe}) reached ${endpointText(ev.remote.ip, ev.remote.port)} every ${periodS}s over ${st.count} intervals (jitter ${(st.cv * 100).toFixed(1)}%)`,
      beacon: { periodS, score, count: st.count },
    };
  }

  stats(): BeaconStats {
    return { series: this.series.size, seriesEvicted: this.series.evicted };
  }
}
