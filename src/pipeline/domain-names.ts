// Which name each address was the answer to: (asker, address) -> name, learnt from the DNS
// answers the capture saw, so that a connection to the address can say which name the program
// looked up. The asker is the process (its pid: see DomainStage) or, with host-wide linkage,
// the host.
// Bounded: the oldest entry leaves first when the cap is reached, counted as an eviction.
import { v4MappedFromText } from '../core/ip-text';
import type { DnsAnswer } from '../core/dns-answer';

export type DomainLinkage = 'process' | 'host';

export interface DomainNamesOptions {
  /** Entries kept at most. */
  maxEntries: number;
  /**
   * The shortest time an answer is kept, ms, whatever its TTL: programs and their own caches go
   * on using an address past its TTL (connection pools, language runtimes that cache lookups),
   * and a TTL of 0 would lose the name of the very connection the answer was for.
   */
  minTtlMs: number;
}

interface Entry {
  readonly name: string;
  readonly answeredUs: number;
  readonly expiresUs: number;
}

export interface DomainNamesStats {
  entries: number;
  learnt: number;
  evicted: number;
  expired: number;
  /** Connections that got a name. */
  named: number;
}

/** The host-wide asker: one key for every process. */
const HOST = '';

export class DomainNames {
  // A Map keeps insertion order: re-inserting an entry makes it the newest, and the first key
  // is the oldest, the one to evict.
  private readonly entries = new Map<string, Entry>();
  private readonly counts = { learnt: 0, evicted: 0, expired: 0, named: 0 };

  constructor(private readonly opts: DomainNamesOptions) {}

  /** Remembers every address of `answer` as asked for by `asker` (undefined: the host). */
  learn(answer: DnsAnswer, asker: string | undefined): void {
    const ttlFloorS = this.opts.minTtlMs / 1000;
    for (const a of answer.addresses) {
      const key = keyOf(asker ?? HOST, a.ip);
      this.entries.delete(key);
      this.entries.set(key, { name: answer.question, answeredUs: answer.timeUs, expiresUs: answer.timeUs + Math.max(a.ttlS, ttlFloorS) * 1e6 });
      this.counts.learnt++;
    }
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.counts.evicted++;
    }
  }

  /**
   * The name `asker` got `ip` for, if the answer is still fresh at `nowUs` and arrived at or
   * after `notBeforeUs` (an earlier answer was another asker's under the same key).
   */
  lookup(asker: string | undefined, ip: string, nowUs: number, notBeforeUs = 0): string | undefined {
    const owner = asker ?? HOST;
    let key = keyOf(owner, ip);
    let e = this.entries.get(key);
    if (e === undefined) {
      // An IPv4 answer used through a dual-stack socket shows as ::ffff:a.b.c.d.
      const v4 = v4MappedFromText(ip);
      if (v4 === undefined) return undefined;
      key = keyOf(owner, v4);
      e = this.entries.get(key);
      if (e === undefined) return undefined;
    }
    if (e.answeredUs < notBeforeUs) return undefined;
    if (e.expiresUs < nowUs) {
      this.entries.delete(key);
      this.counts.expired++;
      return undefined;
    }
    this.counts.named++;
    return e.name;
  }

  stats(): DomainNamesStats {
    return { entries: this.entries.size, ...this.counts };
  }
}

function keyOf(asker: string, ip: string): string {
  return `${asker}|${ip}`;
}
