// UDP is reported as flows, not packets: the first datagram per (process, local, remote)
// opens a flow; the flow closes after an idle timeout. Bounded: the oldest flows are evicted.
import type { ConnectionEvent } from '../core/connection-event';
import { flowHash } from './flow-hash';

export interface UdpFlowOptions {
  idleTimeoutMs: number;
  maxFlows: number;
}

export class UdpFlowTracker {
  private readonly lastSeenUs = new Map<number, number>();
  evicted = 0;

  constructor(private readonly opts: UdpFlowOptions) {}

  /** True when this event opens a new flow and should be recorded. */
  opens(ev: ConnectionEvent): boolean {
    if (ev.transport !== 'udp' || ev.action !== 'udp_flow') return true;
    const key = flowHash('udp', ev.local.ip, ev.local.port, ev.remote.ip, ev.remote.port, ev.process?.pid ?? -1);
    const last = this.lastSeenUs.get(key);
    // Delete and set again so Map order stays least-recently-seen first.
    this.lastSeenUs.delete(key);
    this.lastSeenUs.set(key, ev.timeUs);
    if (this.lastSeenUs.size > this.opts.maxFlows) {
      const oldest = this.lastSeenUs.keys().next().value as number;
      this.lastSeenUs.delete(oldest);
      this.evicted++;
    }
    return last === undefined || ev.timeUs - last > this.opts.idleTimeoutMs * 1000;
  }

  /** Drops flows idle past the timeout (called on a timer). */
  sweep(nowUs: number): void {
    const limit = nowUs - this.opts.idleTimeoutMs * 1000;
    for (const [key, t] of this.lastSeenUs) {
      if (t >= limit) break;
      this.lastSeenUs.delete(key);
    }
  }

  get size(): number {
    return this.lastSeenUs.size;
  }
}
