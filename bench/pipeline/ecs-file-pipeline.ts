// The sensor's pipeline as `run --file-format ecs` builds it (src/pipeline/build-sinks.ts),
// fed by hand instead of by a capture tier: shared by bench:pipeline and bench:replay.
import { silentLogger, systemClock, type Context } from '../../src/core/context';
import type { CaptureSource, SourceOutput } from '../../src/core/stages';
import { ecsLine } from '../../src/format/ecs';
import { createRecordFormatter } from '../../src/format/registry';
import { detectHostInfo } from '../../src/process/host-info';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline';
import { OwnTraffic } from '../../src/pipeline/own-traffic';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import { createFileSink } from '../../src/sinks/file/jsonl-file-sink';
import type { DetectOptions } from '../../src/detect/options';

export interface EcsFilePipeline {
  /** Where the events go in, as from a capture tier. */
  out: SourceOutput;
  pipeline: Pipeline;
}

/** Starts a pipeline into the ECS JSON-lines file `file`; `procRoot` replaces /proc for the process table; `detect` turns the detectors on. */
export async function startEcsFilePipeline(file: string, procRoot?: string, detect?: DetectOptions): Promise<EcsFilePipeline> {
  const host = detectHostInfo();
  const ctx: Context = { logger: silentLogger, clock: systemClock, host, agentVersion: 'bench' };
  const processes = new ProcessTable({ hostId: host.id, bootTimeMs: host.bootTimeMs, users: new UserNames(), procRoot });
  let out: SourceOutput | undefined;
  const source: CaptureSource = { tier: 'ebpf', start: async (o) => void (out = o), stats: () => ({ events: 0, lost: 0 }), close: async () => {} };
  const env = { host, agentVersion: 'bench' };
  const sink = createFileSink({ path: file, format: (ev) => ecsLine(ev, env), encode: createRecordFormatter('ecs', env).encode, logger: silentLogger });
  const pipeline = createPipeline({ source, sinks: [sink], processes, ownTraffic: new OwnTraffic(process.pid), udpIdleTimeoutMs: 60_000, statsIntervalMs: 3_600_000, detect }, ctx);
  await pipeline.start();
  return { out: out!, pipeline };
}
