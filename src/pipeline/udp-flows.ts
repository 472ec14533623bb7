// UDP is reported as flows, not packets: the first datagram per (process, local, remote)
// opens a flow; the flow closes after an idle timeout. Bounded: the least recently seen
// flows are evicted first.
import type { ConnectionEvent } from '../core/connection-event';
import { NumberFifo } from '../core/number-fifo';
import { NumberMap } from '../core/number-map';
import { flowHash } from './flow-hash';

export interface UdpFlowOptions {
  idleTimeoutMs: number;
  maxFlows: number;
}

export class UdpFlowTracker {
  // Flow key → the time its last datagram was seen (µs); no heap object per flow.
  private readonly lastSeenUs = new NumberMap();
  // Every flow in lastSeenUs is here exactly once, with the time it had when queued; the
  // queue is oldest first. A datagram only updates the map: a flow seen since it was queued
  // is queued again (with its new time) when it reaches the front, instead of being dropped.
  // That keeps the per-datagram path to two map operations (no delete-and-set to move it to
  // the young end of a Map, and no walk over a Map's deleted slots to find its oldest key).
  private readonly queuedKeys = new NumberFifo();
  private readonly queuedTimes = new NumberFifo();
  evicted = 0;

  constructor(private readonly opts: UdpFlowOptions) {}

  /** True when this event opens a new flow and should be recorded. */
  opens(ev: ConnectionEvent): boolean {
    if (ev.transport !== 'udp' || ev.action !== 'udp_flow') return true;
    if (!Number.isFinite(ev.timeUs)) return true; // no time to track it by: recorded, not tracked
    const key = flowHash('udp', ev.local.ip, ev.local.port, ev.remote.ip, ev.remote.port, ev.process?.pid ?? -1);
    const last = this.lastSeenUs.get(key); // NaN: a new flow
    // A late record (another CPU's) never moves a flow back in time.
    if (!(ev.timeUs <= last)) this.lastSeenUs.set(key, ev.timeUs);
    if (Number.isNaN(last)) {
      this.queuedKeys.push(key);
      this.queuedTimes.push(ev.timeUs);
      if (this.lastSeenUs.size > this.opts.maxFlows) this.evictOldest();
      return true;
    }
    return ev.timeUs - last > this.opts.idleTimeoutMs * 1000;
  }

  /** Drops flows idle past the timeout (called on a timer). */
  sweep(nowUs: number): void {
    const limit = nowUs - this.opts.idleTimeoutMs * 1000;
    while (this.queuedTimes.length > 0 && this.queuedTimes.peek() < limit) {
      const key = this.queuedKeys.shift();
      this.queuedTimes.shift();
      const seen = this.lastSeenUs.get(key);
      if (Number.isNaN(seen)) continue;
      if (seen < limit) this.lastSeenUs.delete(key);
      else this.requeue(key, seen);
    }
  }

  get size(): number {
    return this.lastSeenUs.size;
  }

  /** Evicts the flow seen least recently (approximately: the first not seen since it was queued). */
  private evictOldest(): void {
    while (this.queuedKeys.length > 0) {
      const key = this.queuedKeys.shift();
      const queuedAt = this.queuedTimes.shift();
      const seen = this.lastSeenUs.get(key);
      if (Number.isNaN(seen)) continue;
      if (seen === queuedAt) {
        this.lastSeenUs.delete(key);
        this.evicted++;
        return;
      }
      this.requeue(key, seen);
    }
  }

  private requeue(key: number, seen: number): void {
    this.queuedKeys.push(key);
    this.queuedTimes.push(seen);
  }
}
