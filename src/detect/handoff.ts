// Hand-off: address X reached by process A; A exits; within the window X is reached by a
// process B running a different executable. That is how a dropper passes its server to the
// implant it starts. Not a hand-off: A still running, B the same program as A (a program run
// twice), or X common on this host (several distinct executables reached it lately: a
// resolver, a mirror, a proxy). Addresses are compared by IP: the implant may use another port.
// The detector learns but stays quiet for a warm-up after its first event, until it has seen
// which addresses are common.
import type { ConnectionEvent, ProcessInfo } from '../core/connection-event';
import type { ProcessEnd } from '../core/stages';
import { BoundedMap } from './bounded-map';
import type { Finding } from './finding';
import type { HandoffOptions } from './options';
import { endpointText } from './alert-event';

/** One process that reached some address; shared by every address it reached, so its exit marks them all. */
interface Reacher {
  readonly key: string;
  readonly exe: string;
  readonly process: ProcessInfo;
  endUs?: number;
}

/** An executable's latest visit to an address: when, and by which process. */
interface Visit {
  lastUs: number;
  /** Absent while the address is common. */
  reacher: Reacher | undefined;
}

/**
 * Per address, the latest visit of each of its most recent executables. That is all both
 * questions need: commonness counts distinct recent executables, and a hand-off starts from
 * an executable's latest process (while another instance of A's program still uses the
 * address, A's program has not let it go). Capped at commonThreshold + 1 executables: more
 * than that within the common window makes the address common anyway.
 */
type AddressState = Map<string, Visit>;

export interface HandoffStats {
  readonly addresses: number;
  readonly processes: number;
  readonly addressesEvicted: number;
  readonly processesEvicted: number;
}

export class HandoffDetector {
  private readonly addresses: BoundedMap<string, AddressState>;
  private readonly processes: BoundedMap<string, Reacher>;
  private quietUntilUs: number | undefined;

  constructor(
    private readonly opts: HandoffOptions,
    maxKeys: number,
  ) {
    if (opts.commonThreshold < 3) throw new RangeError('commonThreshold below 3 would make an address reached only by A and B common');
    this.addresses = new BoundedMap(maxKeys);
    this.processes = new BoundedMap(maxKeys);
  }

  /** An egress contact by `ev.process` (key and exe precomputed by the engine); a finding when it completes a hand-off. */
  contact(ev: ConnectionEvent, key: string, exe: string, allowed: boolean): Finding | undefined {
    const t = ev.timeUs;
    const ip = ev.remote.ip;
    let visits = this.addresses.get(ip);
    if (!visits) {
      visits = new Map();
      this.addresses.set(ip, visits);
    }
    let mine = visits.get(exe);
    if (mine) mine.lastUs = t;
    else {
      if (visits.size > this.opts.commonThreshold) dropOldest(visits);
      visits.set(exe, (mine = { lastUs: t, reacher: undefined }));
    }
    // A common address neither ends nor starts a hand-off: its visitors are not tracked, which
    // keeps the per-process table to the few processes that reach rare addresses.
    if (this.isCommon(visits, t)) {
      mine.reacher = undefined;
      return undefined;
    }
    const me = this.reacher(key, exe, ev.process!);
    this.quietUntilUs ??= t + this.opts.warmUpUs;
    const finding = allowed || t < this.quietUntilUs ? undefined : this.handedFrom(visits, me, ev);
    mine.reacher = me;
    return finding;
  }

  /** The process's entry, new when it is the first contact of this process lifetime. */
  private reacher(key: string, exe: string, process: ProcessInfo): Reacher {
    let me = this.processes.get(key);
    if (!me) {
      me = { key, exe, process };
      this.processes.set(key, me);
    }
    return me;
  }

  ended(end: ProcessEnd, key: string): void {
    const r = this.processes.get(key);
    if (!r) return;
    // The visits that name it keep it from here: the table holds live processes only.
    r.endUs = end.timeUs;
    this.processes.delete(key);
  }

  stats(): HandoffStats {
    return {
      addresses: this.addresses.size,
      processes: this.processes.size,
      addressesEvicted: this.addresses.evicted,
      processesEvicted: this.processes.evicted,
    };
  }

  private isCommon(visits: AddressState, t: number): boolean {
    if (visits.size < this.opts.commonThreshold) return false;
    const since = t - this.opts.commonWindowUs;
    let recent = 0;
    for (const v of visits.values()) if (v.lastUs >= since) recent++;
    return recent >= this.opts.commonThreshold;
  }

  /** The most recently ended latest process of another executable within the window, as a finding. */
  private handedFrom(visits: AddressState, me: Reacher, ev: ConnectionEvent): Finding | undefined {
    const t = ev.timeUs;
    let from: Reacher | undefined;
    for (const v of visits.values()) {
      const r = v.reacher;
      if (!r || r.endUs === undefined || r.exe === me.exe) continue;
      if (t < r.endUs || t - r.endUs > this.opts.windowUs) continue;
      if (!from || r.endUs > from.endUs!) from = r;
    }
    if (!from) return undefined;
    const a = from.process;
    const b = ev.process!;
    const gapS = Math.round((t - from.endUs!) / 1e5) / 10;
    return {
      rule: 'handoff',
      key: `${ev.remote.ip}|${from.key}|${me.exe}`,
      ev,
      reason: `${endpointText(ev.remote.ip, ev.remote.port)} was reached by ${a.name}[${a.pid}] (${from.exe}), which exited ${gapS}s before ${b.name}[${b.pid}] (${me.exe}) reached it`,
      previous: { process: a, endUs: from.endUs },
    };
  }
}

function dropOldest(visits: AddressState): void {
  let oldest: string | undefined;
  let oldestUs = Infinity;
  // forEach rather than for-of over entries: no [key, value] array per entry on a busy address.
  visits.forEach((v, exe) => {
    if (v.lastUs < oldestUs) {
      oldestUs = v.lastUs;
      oldest = exe;
    }
  });
  if (oldest !== undefined) visits.delete(oldest);
}
