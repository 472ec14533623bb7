// The reconciliation snapshot of a kernel tier on a real socket table: at start it records the
// live connection and the listener a child holds, never the connection that child closed
// before the sensor started (TIME_WAIT, no owner: it would read as a new connection of an
// unknown process); after a loss it records no closing socket either.
import { CollectingSink } from '../helpers/collecting-sink';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeSnapshot, type SnapshotEntry, type SnapshotEnv } from '../../src/capture/snapshot/snapshot';
import { SocketTableReader } from '../../src/capture/snapshot/socket-table';
import { silentLogger, systemClock, type Context } from '../../src/core/context';
import type { CaptureSource, SourceOutput } from '../../src/core/stages';
import { createPipeline } from '../../src/pipeline/pipeline';
import { OwnTraffic } from '../../src/pipeline/own-traffic';
import { readBootTimeMs } from '../../src/process/proc-files';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import { waitFor } from '../helpers/wait';
import { stopChild } from '../process/helpers';
import { assertOnlyLiveRecords, clientRow, startClosedAndLive } from '../capture/snapshot/closed-and-live-child';

/** A kernel tier that emits nothing by itself: the test reports its losses. */
class QuietSource implements CaptureSource {
  readonly tier = 'ebpf';
  out: SourceOutput | undefined;
  async start(out: SourceOutput): Promise<void> {
    this.out = out;
  }
  stats() {
    return { events: 0, lost: 0 };
  }
  async close(): Promise<void> {}
}

test('reconciliation records live sockets only, at start and after a loss', async (t) => {
  const c = await startClosedAndLive();
  t.after(() => stopChild(c.child));
  assert.equal(clientRow(new SocketTableReader().read(), c.closed, c.listen)?.state, 'TIME_WAIT');

  const users = new UserNames();
  const env: SnapshotEnv = { hostId: 'test-host', bootTimeMs: readBootTimeMs()!, users };
  let snapshots = 0;
  const snapshot = (): SnapshotEntry[] => {
    snapshots++;
    return takeSnapshot(env);
  };
  const sink = new CollectingSink();
  const source = new QuietSource();
  const host = { name: 'test', ip: '127.0.0.1', ips: ['127.0.0.1'], id: 'test-host', bootTimeMs: env.bootTimeMs };
  const ctx: Context = { logger: silentLogger, clock: systemClock, host, agentVersion: 'test' };
  const pipeline = createPipeline(
    {
      source,
      sinks: [sink],
      processes: new ProcessTable({ hostId: host.id, bootTimeMs: env.bootTimeMs, users }),
      snapshot,
      ownTraffic: new OwnTraffic(process.pid),
      udpIdleTimeoutMs: 60_000,
      statsIntervalMs: 60_000,
    },
    ctx,
  );
  await pipeline.start();
  t.after(() => pipeline.close());
  const ours = () => sink.records.filter((e) => e.transport === 'tcp' && e.local.ip === '127.0.0.1' && (e.local.port === c.listen || e.remote.port === c.listen));

  const atStart = ours();
  const { client } = assertOnlyLiveRecords(atStart, c);
  assert.equal(client.attribution, 'socket-owner');
  assert.equal(atStart.length, 3);

  // A connection that ends during a loss is no new connection for the snapshot after it.
  const later = await c.closeAnother();
  assert.equal(clientRow(new SocketTableReader().read(), later, c.listen)?.state, 'TIME_WAIT');
  source.out!.lost(1);
  await waitFor(() => snapshots >= 2, 'the reconciliation after the loss');
  assert.equal(ours().length, 3);
  assert.equal(pipeline.stats().lost, 1);
});
