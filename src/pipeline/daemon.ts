// The sensor's lifecycle: pick a source, build sinks, run until told to stop, then close in
// order — sources, pipeline, sinks — so nothing a source still hands over is lost.
import type { Context } from '../core/context';
import type { CaptureTier } from '../core/connection-event';
import { errorMessage } from '../core/errors';
import type { Config } from '../config/schema';
import { cgroup2Root } from '../process/cgroup2';
import { ProcessTable } from '../process/process-table';
import { ExeHasher } from '../process/exe-hasher';
import { UserNames } from '../process/users';
import { SnapshotProcessCache, SocketTableReader, takeSnapshot, type SnapshotEnv } from '../capture/snapshot/snapshot';
import { createPollSource } from '../capture/poll/poll-source';
import { selectSource, type Selected, type TierFactory } from '../capture/select';
import { createPipeline, type Pipeline } from './pipeline';
import { buildSinks } from './build-sinks';
import { OwnTraffic } from './own-traffic';
import { detectOptionsFrom } from '../detect/options-from-config';
import { readDetectSeed } from './detect-seed';
import { anySinkWantsCloses } from './closes-filter';

export interface RunningSensor {
  tier: string;
  why: string;
  pipeline: Pipeline;
  stop(): Promise<void>;
}

export async function startSensor(config: Config, ctx: Context): Promise<RunningSensor> {
  const users = new UserNames();
  const snapEnv: SnapshotEnv = { hostId: ctx.host.id, bootTimeMs: ctx.host.bootTimeMs, users, socketTable: new SocketTableReader() };
  const own = new OwnTraffic(process.pid);
  const sinks = await buildSinks(config, ctx, own);
  const h = config.hash;
  const hasher = h.enabled ? new ExeHasher({ maxSize: h.maxSize, maxQueue: h.maxQueue, timeoutMs: h.timeout, bytesPerSecond: h.rate }) : undefined;
  const processes = new ProcessTable({ hostId: ctx.host.id, bootTimeMs: ctx.host.bootTimeMs, users }, { cgroupRoot: cgroup2Root(), hasher });
  // A tier that passes its probe can still fail to start; `auto` then moves on to the next.
  const failed = new Map<CaptureTier, string>();
  for (;;) {
    let selected: Selected;
    try {
      selected = await selectSource(config.source, {
        logger: ctx.logger,
        ignorePid: process.pid,
        dns: config.dns.enabled ? { extraPorts: config.dns.ports } : undefined,
        closes: anySinkWantsCloses(config),
        createPoll: () =>
          createPollSource({
            intervalMs: config.poll.interval,
            env: { ...snapEnv, cache: new SnapshotProcessCache(), ownerMemory: new Map() },
            logger: ctx.logger,
            clock: ctx.clock,
          }),
        ...Object.fromEntries([...failed].map(([tier, reason]) => [tier, refused(reason)])),
      });
    } catch (err) {
      await Promise.allSettled(sinks.map((s) => s.close()));
      await hasher?.close();
      throw err;
    }
    const { source, tier } = selected;
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
        detect: config.detect.enabled ? detectOptionsFrom(config.detect) : undefined,
        domains: config.dns.enabled ? { linkage: config.dns.linkage, maxEntries: config.dns.maxNames, minTtlMs: config.dns.minTtl } : undefined,
        detectSeed: config.detect.enabled && config.store.enabled && config.store.path ? readDetectSeed(config.store.path, ctx.logger) : undefined,
        hashWaitMs: hasher ? h.waitMs : 0,
        hashStats: hasher ? () => hasher.stats() : undefined,
      },
      ctx,
    );
    try {
      await pipeline.start();
    } catch (err) {
      await source.close().catch(() => undefined);
      if (config.source !== 'auto' || tier === 'poll') {
        await Promise.allSettled(sinks.map((s) => s.close()));
        await hasher?.close();
        throw err;
      }
      ctx.logger.warn({ component: 'daemon', tier, err }, 'capture tier failed to start; trying the next one');
      failed.set(tier, `failed to start: ${errorMessage(err)}`);
      continue;
    }
    const why = [...[...failed].map(([t, r]) => `${t}: ${r}`), selected.why].join('; ');
    ctx.logger.info({ component: 'daemon', tier, why }, 'capture tier chosen');
    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      await pipeline.close();
      await hasher?.close();
    };
    return { tier, why, pipeline, stop: () => (stopping ??= stop()) };
  }
}

function refused(reason: string): TierFactory {
  return {
    probe: () => ({ works: false, reason }),
    create: () => {
      throw new Error(reason);
    },
  };
}
