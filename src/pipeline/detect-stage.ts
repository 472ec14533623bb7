// The detectors in the live pipeline: every recorded connection goes to the engine after the
// sinks have it, and the alerts it completes go to every sink as records of their own. On a
// process exit the stage tells the engine and the sinks, for the processes it saw connect (the
// only ones a sink was given and the only ones a hand-off can start from). With the detectors
// off it still tells the sinks of those exits: the store records each process's end.
import type { ConnectionEvent, ProcessInfo } from '../core/connection-event';
import type { ProcessEnd, Sink } from '../core/stages';
import { DetectEngine, type DetectSeed, type DetectStats } from '../detect/engine';
import type { DetectOptions } from '../detect/options';
import { BoundedMap } from '../detect/bounded-map';

export interface DetectStageStats extends DetectStats {
  /** Exits of connecting processes that no longer fitted in the table of recent connectors. */
  readonly connectorsEvicted: number;
}

/** How many connecting processes the stage remembers when no detector options size it. */
const DEFAULT_CONNECTORS = 65_536;

export class DetectStage {
  private readonly engine: DetectEngine | undefined;
  /** pid → entity id of processes that made a recorded connection and have not exited. */
  private readonly connectors: BoundedMap<number, string>;
  /** Whether anyone hears of exits (the engine, or a sink that records process ends). */
  private readonly tracksExits: boolean;

  constructor(
    options: DetectOptions | undefined,
    private readonly sinks: readonly Sink[],
    seed?: DetectSeed,
  ) {
    this.engine = options ? new DetectEngine(options, seed) : undefined;
    this.connectors = new BoundedMap(options?.maxKeys ?? DEFAULT_CONNECTORS);
    this.tracksExits = this.engine !== undefined || sinks.some((s) => s.processEnded !== undefined);
  }

  /** A connection the sinks already have. */
  recorded(ev: ConnectionEvent): void {
    const p = ev.process;
    if (this.tracksExits && p && !p.exited && this.connectors.get(p.pid) !== (p.entityId ?? '')) this.connectors.set(p.pid, p.entityId ?? '');
    if (this.engine) this.deliver(this.engine.observe({ kind: 'connection', ev }));
  }

  processExited(pid: number, timeUs: number): void {
    const entityId = this.connectors.get(pid);
    if (entityId === undefined) return;
    this.connectors.delete(pid);
    const end: ProcessEnd = { pid, entityId, timeUs };
    if (this.engine) this.deliver(this.engine.observe({ kind: 'process_end', end }));
    if (entityId === '') return;
    for (const sink of this.sinks) sink.processEnded?.(end);
  }

  /** A late executable hash: sinks that keep processes hear of it when the process was recorded. */
  processHashed(p: ProcessInfo): void {
    if (p.sha256 === undefined || p.entityId === undefined || this.connectors.get(p.pid) !== p.entityId) return;
    const hash = { entityId: p.entityId, sha256: p.sha256 };
    for (const sink of this.sinks) sink.processHashed?.(hash);
  }

  /** Undefined with the detectors off. */
  stats(): DetectStageStats | undefined {
    return this.engine ? { ...this.engine.stats(), connectorsEvicted: this.connectors.evicted } : undefined;
  }

  private deliver(alerts: readonly ConnectionEvent[]): void {
    for (const alert of alerts) for (const sink of this.sinks) sink.write(alert);
  }
}
