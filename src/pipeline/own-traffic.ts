// The sensor never records its own traffic to its sinks (no feedback loop): anything made by
// the sensor's pid, or on a local endpoint one of its transports holds.
import type { ConnectionEvent, Endpoint } from '../core/connection-event';

export class OwnTraffic {
  private readonly endpointSources: Array<() => Endpoint[]> = [];

  constructor(private readonly ownPid: number) {}

  /** A transport that can tell its local sockets (ip, port). */
  addEndpoints(source: () => Endpoint[]): void {
    this.endpointSources.push(source);
  }

  isOwn(ev: ConnectionEvent): boolean {
    if (ev.process?.pid === this.ownPid) return true;
    if (this.endpointSources.length === 0) return false;
    for (const list of this.endpointSources) {
      for (const e of list()) if (e.port === ev.local.port && (e.ip === ev.local.ip || e.ip === '0.0.0.0' || e.ip === '::')) return true;
    }
    return false;
  }
}
