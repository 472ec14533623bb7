// First-seen: once the baseline is learnt, a pair never seen before — (executable, remote
// address, port, direction) — is an alert, and so is an executable listening on a port it was
// never seen listening on (rule new_listener). The port of a pair is the service's: the remote
// port for egress, the local port for an accepted connection (a client's ephemeral port says
// nothing). The learning period starts at the earliest known activity: the store's history
// when there is one, otherwise the first event.
import type { KnownListener, KnownPair } from '../core/known';
import type { ConnectionEvent } from '../core/connection-event';
import { BoundedMap } from './bounded-map';
import type { Finding } from './finding';
import type { FirstSeenOptions } from './options';
import { endpointText } from './alert-event';
import { contactHash } from './contact-hash';

export interface FirstSeenStats {
  readonly pairs: number;
  readonly listeners: number;
  readonly pairsEvicted: number;
  readonly listenersEvicted: number;
}

function listenerKey(exe: string, port: number): string {
  return `${exe}|${port}`;
}

export class FirstSeenDetector {
  /** Known pairs by contactHash, one table per direction. */
  private readonly egress: BoundedMap<number, true>;
  private readonly ingress: BoundedMap<number, true>;
  private readonly listeners: BoundedMap<string, true>;
  private learntAtUs: number | undefined;

  constructor(
    private readonly opts: FirstSeenOptions,
    maxKeys: number,
    seed: { earliestUs?: number | undefined; pairs?: Iterable<KnownPair>; listeners?: Iterable<KnownListener> } = {},
  ) {
    this.egress = new BoundedMap(maxKeys);
    this.ingress = new BoundedMap(maxKeys);
    this.listeners = new BoundedMap(maxKeys);
    if (seed.earliestUs !== undefined) this.learntAtUs = seed.earliestUs + opts.learnForUs;
    for (const p of seed.pairs ?? []) (p.direction === 'egress' ? this.egress : this.ingress).set(contactHash(p.exe, p.remoteIp, p.remotePort), true);
    for (const l of seed.listeners ?? []) this.listeners.set(listenerKey(l.exe, l.port), true);
  }

  /** An egress contact (hash: contactHash of the remote end) or an accepted connection (of the client and the local port). */
  connection(ev: ConnectionEvent, exe: string, hash: number, allowed: boolean): Finding | undefined {
    const pairs = ev.direction === 'egress' ? this.egress : this.ingress;
    if (pairs.has(hash)) return undefined;
    pairs.set(hash, true);
    if (allowed || !this.learnt(ev.timeUs)) return undefined;
    const port = ev.direction === 'egress' ? ev.remote.port : ev.local.port;
    const p = ev.process!;
    const what = ev.direction === 'egress' ? `reached ${endpointText(ev.remote.ip, port)}` : `accepted a connection from ${ev.remote.ip} on port ${port}`;
    return { rule: 'first_seen', key: `${exe}|${ev.remote.ip}|${port}|${ev.direction}`, ev, reason: `${p.name}[${p.pid}] (${exe}) ${what} for the first time (${ev.transport})` };
  }

  listen(ev: ConnectionEvent, exe: string, allowed: boolean): Finding | undefined {
    const port = ev.local.port;
    const key = listenerKey(exe, port);
    if (this.listeners.has(key)) return undefined;
    this.listeners.set(key, true);
    if (allowed || !this.learnt(ev.timeUs)) return undefined;
    const p = ev.process!;
    return { rule: 'new_listener', key, ev, reason: `${p.name}[${p.pid}] (${exe}) listens on ${ev.transport} port ${port} for the first time` };
  }

  stats(): FirstSeenStats {
    return {
      pairs: this.egress.size + this.ingress.size,
      listeners: this.listeners.size,
      pairsEvicted: this.egress.evicted + this.ingress.evicted,
      listenersEvicted: this.listeners.evicted,
    };
  }

  private learnt(t: number): boolean {
    this.learntAtUs ??= t + this.opts.learnForUs;
    return t >= this.learntAtUs;
  }
}
