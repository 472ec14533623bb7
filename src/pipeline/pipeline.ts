// Where the stages meet: source → own-traffic filter → attribution → UDP flows → sinks.
// Also reconciles with a socket snapshot at start and after a loss, and reports stats.
import { withDomain, withProcess, type ConnectionEvent } from '../core/connection-event';
import { makeProcessInfo } from '../core/process-info';
import type { Context } from '../core/context';
import type { CaptureSource, Sink, SourceOutput } from '../core/stages';
import { entryToEvent, listeningPorts } from '../capture/snapshot/events';
import { isLiveForRecords } from '../capture/snapshot/socket-row';
import { flowHash } from './flow-hash';
import type { SnapshotEntry } from '../capture/snapshot/snapshot';
import { Attributor, type ProcessLookup } from './attribution';
import { UdpFlowTracker } from './udp-flows';
import { RecentKeys } from './recent-keys';
import type { OwnTraffic } from './own-traffic';
import { DetectStage } from './detect-stage';
import { HashWait } from './hash-wait';
import type { DetectOptions } from '../detect/options';
import type { DetectSeed } from '../detect/engine';
import { DomainStage, type DomainOptions } from './domain-stage';

export interface PipelineOptions {
  source: CaptureSource;
  sinks: Sink[];
  processes: ProcessLookup & { sweep?(nowMs: number): void };
  /** Socket snapshot for reconciliation; absent for the poll tier (it is one). */
  snapshot?: (() => SnapshotEntry[]) | undefined;
  ownTraffic: OwnTraffic;
  udpIdleTimeoutMs: number;
  statsIntervalMs: number;
  /** The detectors' options; absent, no detector runs. */
  detect?: DetectOptions | undefined;
  /** What the detectors know already (the store's history): learnt pairs and listeners, raised alerts. */
  detectSeed?: DetectSeed | undefined;
  /** Names connections from the DNS answers the source hands over; absent, answers are ignored. */
  domains?: DomainOptions | undefined;
  /** How long a record may wait for its process's executable hash (ms); 0 never waits. */
  hashWaitMs?: number | undefined;
  /** The executable hasher's counters, for the stats record. */
  hashStats?: (() => object) | undefined;
}

interface PipelineStats {
  recorded: number;
  ownTrafficDropped: number;
  udpRepeats: number;
  lost: number;
  reconciled: number;
}

export interface Pipeline {
  start(): Promise<void>;
  stats(): PipelineStats;
  /** Stops the source, then flushes and closes the sinks: in that order, so no record is dropped. */
  close(): Promise<void>;
}

const RECONCILE_DEBOUNCE_MS = 500;
const SWEEP_MS = 1000;

export function createPipeline(opts: PipelineOptions, ctx: Context): Pipeline {
  const flows = new UdpFlowTracker({ idleTimeoutMs: opts.udpIdleTimeoutMs, maxFlows: 100_000 });
  // Enough for the connections of the last minute or so at high rates; bounded either way.
  const recent = new RecentKeys(65_536);
  const attributor = new Attributor(opts.processes);
  const stats: PipelineStats = { recorded: 0, ownTrafficDropped: 0, udpRepeats: 0, lost: 0, reconciled: 0 };
  let statsTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const detect = new DetectStage(opts.detect, opts.sinks, opts.detectSeed);
  const domains = opts.domains ? new DomainStage(opts.domains) : undefined;
  const hashWait = new HashWait(opts.hashWaitMs ?? 0, {
    record,
    processExited: (pid, timeUs) => detect.processExited(pid, timeUs),
    reattribute(raw, held) {
      // Attributed again from the raw event: the name the domain stage gave the held record stays.
      const again = attributor.attribute(raw);
      const now = held.domain !== undefined && again.domain === undefined ? withDomain(again, held.domain) : again;
      // An exit that came while the record waited is not the record's: it stays as it was seen.
      const p = now.process;
      if (!p || !held.process || p.exited === held.process.exited) return now;
      return withProcess(now, makeProcessInfo({ ...p, exited: held.process.exited }));
    },
  });
  opts.processes.onHashed?.((info) => {
    hashWait.hashArrived();
    detect.processHashed(info);
  });

  function record(ev: ConnectionEvent): void {
    recent.add(flowHash(ev.transport, ev.local.ip, ev.local.port, ev.remote.ip, ev.remote.port));
    stats.recorded++;
    for (const sink of opts.sinks) sink.write(ev);
    detect.recorded(ev);
  }

  const output: SourceOutput = {
    connection(raw) {
      if (closed) return;
      if (opts.ownTraffic.isOwn(raw)) {
        stats.ownTrafficDropped++;
        return;
      }
      const attributed = attributor.attribute(raw);
      const ev = domains ? domains.annotate(attributed) : attributed;
      if (!flows.opens(ev)) {
        stats.udpRepeats++;
        return;
      }
      hashWait.connection(raw, ev);
    },
    process(ev) {
      opts.processes.apply(ev);
      if (ev.type === 'exit') hashWait.processExited(ev.pid, ev.timeUs);
    },
    dnsAnswer(answer) {
      if (!closed) domains?.answer(answer);
    },
    lost(count) {
      stats.lost += count;
      ctx.logger.warn({ lost: count, totalLost: stats.lost }, 'capture lost events; a snapshot will fill what it can');
      if (!reconcileTimer && opts.snapshot) {
        reconcileTimer = setTimeout(() => {
          reconcileTimer = undefined;
          reconcile(false);
        }, RECONCILE_DEBOUNCE_MS);
      }
    },
  };

  /** Records the live sockets a snapshot shows that this run has not recorded yet (closing ones may predate the run). */
  function reconcile(atStart: boolean): void {
    if (!opts.snapshot || closed) return;
    let entries: SnapshotEntry[];
    try {
      entries = opts.snapshot();
    } catch (err) {
      ctx.logger.warn({ err }, 'reconciliation snapshot failed');
      return;
    }
    const listening = listeningPorts(entries);
    const now = ctx.clock.nowUs();
    for (const e of entries) {
      if (!isLiveForRecords(e)) continue;
      if (recent.has(flowHash(e.transport, e.local.ip, e.local.port, e.remote.ip, e.remote.port))) continue;
      const ev = entryToEvent(e, listening, now, 'poll', atStart);
      if (!ev || opts.ownTraffic.isOwn(ev)) continue;
      stats.reconciled++;
      record(domains ? domains.annotate(ev) : ev);
    }
  }

  function memoryMb(): Record<string, number> {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  }

  function reportStats(): void {
    const now = ctx.clock.nowUs();
    flows.sweep(now);
    opts.processes.sweep?.(now / 1000);
    const detectStats = detect.stats();
    ctx.logger.info(
      {
        type: 'stats',
        capture: opts.source.tier,
        source: opts.source.stats(),
        pipeline: { ...stats, udpFlowsOpen: flows.size, udpFlowsEvicted: flows.evicted },
        sinks: Object.fromEntries(opts.sinks.map((s) => [s.name, s.stats()])),
        ...(detectStats ? { detect: detectStats } : {}),
        ...(domains ? { domains: domains.stats() } : {}),
        ...(opts.hashStats ? { hash: { ...opts.hashStats(), ...hashWait.stats() } } : {}),
        memory: memoryMb(),
      },
      'stats',
    );
  }

  return {
    async start() {
      await opts.source.start(output);
      reconcile(true);
      statsTimer = setInterval(reportStats, opts.statsIntervalMs);
      statsTimer.unref();
      // Exited processes leave the table when their grace ends, not at the next stats record:
      // the table holds grace × exit rate entries, not stats interval × exit rate.
      sweepTimer = setInterval(() => opts.processes.sweep?.(ctx.clock.nowUs() / 1000), SWEEP_MS);
      sweepTimer.unref();
    },
    stats: () => ({ ...stats }),
    async close() {
      await opts.source.close();
      hashWait.drain();
      closed = true;
      if (statsTimer) clearInterval(statsTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      if (reconcileTimer) clearTimeout(reconcileTimer);
      reportStats();
      for (const sink of opts.sinks) {
        try {
          await sink.flush();
        } catch (err) {
          ctx.logger.error({ err, sink: sink.name }, 'sink flush failed');
        }
        await sink.close();
      }
    },
  };
}
