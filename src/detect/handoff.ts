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

interface AddressState {
  /** Recent processes that reached the address, oldest first (at most REACHERS_PER_ADDRESS). */
  readonly reachers: Reacher[];
  /** The most recent distinct executables and when each last reached it, oldest first. */
  readonly exes: Map<string, number>;
}

/** Enough to find A among the recent reachers of an address without an address costing much. */
const REACHERS_PER_ADDRESS = 16;

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
    const process = ev.process!;
    const t = ev.timeUs;
    let me = this.processes.get(key);
    if (!me || me.endUs !== undefined) {
      me = { key, exe, process };
      this.processes.set(key, me);
    }
    const ip = ev.remote.ip;
    let state = this.addresses.get(ip);
    if (!state) {
      state = { reachers: [], exes: new Map() };
      this.addresses.set(ip, state);
    }
    this.noteExecutable(state, exe, t);
    this.quietUntilUs ??= t + this.opts.warmUpUs;
    const finding = allowed || t < this.quietUntilUs || this.isCommon(state, t) ? undefined : this.handedFrom(state, me, ev);
    this.noteReacher(state, me, t);
    return finding;
  }

  ended(end: ProcessEnd, key: string): void {
    const r = this.processes.get(key);
    if (r && r.endUs === undefined) r.endUs = end.timeUs;
  }

  stats(): HandoffStats {
    return {
      addresses: this.addresses.size,
      processes: this.processes.size,
      addressesEvicted: this.addresses.evicted,
      processesEvicted: this.processes.evicted,
    };
  }

  private noteExecutable(state: AddressState, exe: string, t: number): void {
    state.exes.delete(exe);
    state.exes.set(exe, t);
    // Only the most recent `commonThreshold` executables can decide whether the address is common.
    if (state.exes.size > this.opts.commonThreshold) state.exes.delete(state.exes.keys().next().value!);
  }

  private isCommon(state: AddressState, t: number): boolean {
    if (state.exes.size < this.opts.commonThreshold) return false;
    const since = t - this.opts.commonWindowUs;
    for (const last of state.exes.values()) if (last < since) return false;
    return true;
  }

  /** The most recently ended other-program reacher within the window, as a finding. */
  private handedFrom(state: AddressState, me: Reacher, ev: ConnectionEvent): Finding | undefined {
    const t = ev.timeUs;
    let from: Reacher | undefined;
    for (const r of state.reachers) {
      if (r.endUs === undefined || r.exe === me.exe || r.key === me.key) continue;
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

  private noteReacher(state: AddressState, me: Reacher, t: number): void {
    const list = state.reachers;
    const at = list.indexOf(me);
    if (at >= 0) list.splice(at, 1);
    // Reachers that ended longer than a window ago can no longer hand the address over.
    for (let i = list.length - 1; i >= 0; i--) {
      const end = list[i]!.endUs;
      if (end !== undefined && t - end > this.opts.windowUs) list.splice(i, 1);
    }
    list.push(me);
    if (list.length > REACHERS_PER_ADDRESS) list.shift();
  }
}
