// The pipeline stage that puts the domain on connections: learns from the DNS answers the
// source hands over and names each connection's remote address with the name the same
// process (or, with host-wide linkage, any process) asked for.
//
// A process is keyed by its pid, checked against its start time: an answer that arrived
// before the connecting process started was another process's under a reused pid. The pid,
// not the entity id, because the answer often reaches the pipeline before the process's exec
// record (the answers are drained first) and after a short-lived process has exited: the pid
// is all the answer has that is sure to match the connection's record.
import { withDomain, type ConnectionEvent } from '../core/connection-event';
import type { DnsAnswer } from '../core/dns-answer';
import { DomainNames, type DomainLinkage, type DomainNamesOptions, type DomainNamesStats } from './domain-names';

export interface DomainOptions extends DomainNamesOptions {
  linkage: DomainLinkage;
}

export interface DomainStageStats extends DomainNamesStats {
  /** Answers whose asking process was not seen (host-wide linkage can still use them). */
  answersWithoutProcess: number;
}

/**
 * A process's start time is derived from its start tick and the boot time, which is known to
 * the second at best: an answer up to this much before the start still counts as the process's
 * own (a pid reused within this time is what the check cannot tell apart).
 */
const START_SLACK_US = 2_000_000;

export class DomainStage {
  private readonly names: DomainNames;
  private answersWithoutProcess = 0;

  constructor(private readonly opts: DomainOptions) {
    this.names = new DomainNames(opts);
  }

  answer(a: DnsAnswer): void {
    if (this.opts.linkage === 'host') {
      this.names.learn(a, undefined);
      return;
    }
    if (a.pid === 0) {
      this.answersWithoutProcess++;
      return;
    }
    this.names.learn(a, String(a.pid));
  }

  /** ev with its domain when the asker resolved its remote address; ev itself otherwise. */
  annotate(ev: ConnectionEvent): ConnectionEvent {
    if (ev.action === 'listen' || ev.domain !== undefined) return ev;
    let name: string | undefined;
    if (this.opts.linkage === 'host') {
      name = this.names.lookup(undefined, ev.remote.ip, ev.timeUs);
    } else {
      const p = ev.process;
      if (!p) return ev;
      const startedUs = p.startMs !== undefined ? p.startMs * 1000 - START_SLACK_US : 0;
      name = this.names.lookup(String(p.pid), ev.remote.ip, ev.timeUs, startedUs);
    }
    return name === undefined ? ev : withDomain(ev, name);
  }

  stats(): DomainStageStats {
    return { ...this.names.stats(), answersWithoutProcess: this.answersWithoutProcess };
  }
}
