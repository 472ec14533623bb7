// The detectors behind one door: fed activity in time order (live by the pipeline, replayed
// from the store by `hunt`), it returns the alerts each item completes. Pure: time comes from
// the events and nothing is read from outside, so both paths raise the same alerts with the
// same ids, and an id already raised (seeded from the store) is never raised again.
import type { KnownListener, KnownPair } from '../core/known';
import type { ConnectionEvent } from '../core/connection-event';
import type { RuleName } from '../core/alert';
import type { ActivityItem } from '../core/stages';
import { AllowList } from './allow-list';
import { alertEvent, alertId } from './alert-event';
import { BeaconDetector, type BeaconStats } from './beacon';
import { BoundedMap } from './bounded-map';
import type { Finding } from './finding';
import { FirstSeenDetector, type FirstSeenStats } from './first-seen';
import { contactHash } from './contact-hash';
import { HandoffDetector, type HandoffStats } from './handoff';
import { executableOf, isEgressContact, isIngressAccept, isListen, processKey } from './identity';
import type { DetectOptions } from './options';

/** What the store knows already: its history counts as learnt and its alerts as raised. */
export interface DetectSeed {
  readonly earliestUs?: number | undefined;
  readonly pairs?: Iterable<KnownPair>;
  readonly listeners?: Iterable<KnownListener>;
  readonly alertIds?: Iterable<string>;
}

export interface DetectStats {
  readonly alerts: Readonly<Record<RuleName, number>>;
  /** Alerts not raised again because their id was raised before. */
  readonly repeatsSuppressed: number;
  /** Entries dropped from each bounded table to keep memory flat. */
  readonly evicted: {
    readonly addresses: number;
    readonly processes: number;
    readonly pairs: number;
    readonly listeners: number;
    readonly beaconSeries: number;
    readonly alertIds: number;
  };
  readonly tracked: { readonly addresses: number; readonly processes: number; readonly pairs: number; readonly listeners: number; readonly beaconSeries: number };
}

const NONE: readonly ConnectionEvent[] = Object.freeze([]);

export class DetectEngine {
  private readonly allow: AllowList;
  private readonly handoff: HandoffDetector;
  private readonly firstSeen: FirstSeenDetector;
  private readonly beacon: BeaconDetector;
  private readonly raised: BoundedMap<string, true>;
  private readonly alertCounts: Record<RuleName, number> = { handoff: 0, first_seen: 0, new_listener: 0, beacon: 0 };
  private repeats = 0;

  constructor(options: DetectOptions, seed: DetectSeed = {}) {
    this.allow = new AllowList(options.allow);
    this.handoff = new HandoffDetector(options.handoff, options.maxKeys);
    this.firstSeen = new FirstSeenDetector(options.firstSeen, options.maxKeys, seed);
    this.beacon = new BeaconDetector(options.beacon, options.maxKeys);
    this.raised = new BoundedMap(options.maxKeys);
    for (const id of seed.alertIds ?? []) this.raised.set(id, true);
  }

  observe(item: ActivityItem): readonly ConnectionEvent[] {
    if (item.kind === 'process_end') {
      this.handoff.ended(item.end, processKey(item.end.pid, item.end.entityId));
      return NONE;
    }
    const ev = item.ev;
    const p = ev.process;
    if (!p || ev.alert) return NONE;
    const exe = executableOf(p);
    if (isEgressContact(ev)) {
      const allowed = this.allows(ev.remote.ip, ev.remote.port, exe);
      const hash = contactHash(exe, ev.remote.ip, ev.remote.port);
      const handoff = this.handoff.contact(ev, processKey(p.pid, p.entityId), exe, allowed);
      const firstSeen = this.firstSeen.connection(ev, exe, hash, allowed);
      const beacon = this.beacon.contact(ev, exe, hash, allowed);
      if (!handoff && !firstSeen && !beacon) return NONE;
      return this.raise([handoff, firstSeen, beacon]);
    }
    let finding: Finding | undefined;
    if (isIngressAccept(ev)) finding = this.firstSeen.connection(ev, exe, contactHash(exe, ev.remote.ip, ev.local.port), this.allows(ev.remote.ip, ev.local.port, exe));
    else if (isListen(ev)) finding = this.firstSeen.listen(ev, exe, this.allows(ev.local.ip, ev.local.port, exe));
    return finding ? this.raise([finding]) : NONE;
  }

  stats(): DetectStats {
    const h: HandoffStats = this.handoff.stats();
    const f: FirstSeenStats = this.firstSeen.stats();
    const b: BeaconStats = this.beacon.stats();
    return {
      alerts: { ...this.alertCounts },
      repeatsSuppressed: this.repeats,
      evicted: {
        addresses: h.addressesEvicted,
        processes: h.processesEvicted,
        pairs: f.pairsEvicted,
        listeners: f.listenersEvicted,
        beaconSeries: b.seriesEvicted,
        alertIds: this.raised.evicted,
      },
      tracked: { addresses: h.addresses, processes: h.processes, pairs: f.pairs, listeners: f.listeners, beaconSeries: b.series },
    };
  }

  private allows(ip: string, port: number, exe: string): boolean {
    return !this.allow.empty && this.allow.allows(ip, port, exe);
  }

  private raise(findings: readonly (Finding | undefined)[]): readonly ConnectionEvent[] {
    let out: ConnectionEvent[] | undefined;
    for (const f of findings) {
      if (!f) continue;
      const id = alertId(f.rule, f.key);
      if (this.raised.has(id)) {
        this.repeats++;
        continue;
      }
      this.raised.set(id, true);
      this.alertCounts[f.rule]++;
      (out ??= []).push(alertEvent(f, id));
    }
    return out ?? NONE;
  }
}
