// The `poll` tier: socket-table snapshots diffed over time. One record per connection (not
// per poll); memory is bounded by the sockets open now, because keys that vanish are dropped.
import type { CaptureSource, SourceOutput, SourceStats } from '../../core/stages';
import type { Logger, Clock } from '../../core/context';
import { takeSnapshot, type SnapshotEnv, type SnapshotEntry } from '../snapshot/snapshot';
import { connectionKey, entryToEvent, listeningPorts } from '../snapshot/events';
import { isLiveForRecords } from '../snapshot/socket-row';

export interface PollSourceOptions {
  intervalMs: number;
  env: SnapshotEnv;
  logger: Logger;
  clock: Clock;
  /** For tests: a snapshot function other than the live one. */
  snapshot?: () => SnapshotEntry[];
}

export function createPollSource(opts: PollSourceOptions): CaptureSource {
  const snapshot = opts.snapshot ?? (() => takeSnapshot(opts.env));
  let known = new Map<string, true>();
  let timer: NodeJS.Timeout | undefined;
  let first = true;
  const stats: SourceStats = { events: 0, lost: 0 };

  function tick(out: SourceOutput): void {
    let entries: SnapshotEntry[];
    try {
      entries = snapshot();
    } catch (err) {
      opts.logger.warn({ component: 'poll', err }, 'poll snapshot failed; trying again next interval');
      return;
    }
    const now = opts.clock.nowUs();
    const listening = listeningPorts(entries);
    const next = new Map<string, true>();
    for (const e of entries) {
      const key = connectionKey(e);
      next.set(key, true);
      if (known.has(key)) continue;
      // The first pass has nothing to diff against, so only live sockets are connections; a
      // later pass's new key in a closing state opened and closed between two polls of this run.
      // A skipped key stays known, so its next state is not reported as new either.
      if (first && !isLiveForRecords(e)) continue;
      const ev = entryToEvent(e, listening, now, 'poll', first);
      if (!ev) continue;
      stats.events++;
      out.connection(ev);
    }
    known = next;
    first = false;
  }

  return {
    tier: 'poll',
    async start(out) {
      tick(out);
      timer = setInterval(() => tick(out), opts.intervalMs);
    },
    stats: () => ({ ...stats }),
    async close() {
      if (timer) clearInterval(timer);
      known.clear();
    },
  };
}
