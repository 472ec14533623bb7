// The sensor's lifecycle: pick a source, build sinks, run until told to stop, then close in
// order — sources, pipeline, sinks (DESIGN.md §7).
import type { Context } from '../core/context';
import type { CaptureSource } from '../core/stages';
import type { Config } from '../cli/config-schema';
import { ProcessTable } from '../process/process-table';
import { UserNames } from '../process/users';
import { takeSnapshot, type SnapshotEnv } from '../capture/poll/snapshot';
import { createPollSource } from '../capture/poll/poll-source';
import { selectSource } from '../capture/select';
import { createPipeline, type Pipeline } from './pipeline';
import { buildSinks } from './build-sinks';
import { OwnTraffic } from './own-traffic';

export interface RunningSensor {
  tier: string;
  why: string;
  pipeline: Pipeline;
  stop(): Promise<void>;
}

export async function startSensor(config: Config, ctx: Context): Promise<RunningSensor> {
  const users = new UserNames();
  const snapEnv: SnapshotEnv = { hostId: ctx.host.id, bootTimeMs: ctx.host.bootTimeMs, users };
  const own = new OwnTraffic(process.pid);
  const sinks = await buildSinks(config, ctx, own);
  let source: CaptureSource;
  let tier: string;
  let why: string;
  try {
    ({ source, tier, why } = await selectSource(config.source, {
      logger: ctx.logger,
      ignorePid: process.pid,
      createPoll: () => createPollSource({ intervalMs: config.poll.interval, env: snapEnv, logger: ctx.logger, clock: ctx.clock }),
    }));
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    throw err;
  }
  const processes = new ProcessTable({ hostId: ctx.host.id, bootTimeMs: ctx.host.bootTimeMs, users });
  if (tier !== 'poll') processes.seedFromProc();
  const pipeline = createPipeline(
    {
      source,
      sinks,
      processes,
      snapshot: tier === 'poll' ? undefined : () => takeSnapshot(snapEnv),
      ownTraffic: own,
      udpIdleTimeoutMs: config.udp.idleTimeout,
      statsIntervalMs: config.stats.interval,
    },
    ctx,
  );
  await pipeline.start();
  let stopping: Promise<void> | undefined;
  return {
    tier,
    why,
    pipeline,
    stop: () => (stopping ??= pipeline.close()),
  };
}
