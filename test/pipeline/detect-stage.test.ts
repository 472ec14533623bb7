// The detectors inside the real pipeline (process table, attribution, UDP flows, sinks), fed
// as a capture tier feeds it: the hand-off story reaches every sink as an alert record after
// the connection records, the exit reaches sinks that keep processes, and the stats record
// carries the detectors' counts. Pids are above pid_max, so /proc is never read for them.
import { CollectingSink } from '../helpers/collecting-sink';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type Context } from '../../src/core/context';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { CaptureSource, SourceOutput } from '../../src/core/stages';
import { createPipeline } from '../../src/pipeline/pipeline';
import { OwnTraffic } from '../../src/pipeline/own-traffic';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options';
import { consoleLine } from '../../src/sinks/console/console-sink';
import { capturedLogger } from '../helpers/captured-log';
import { tierEvent } from '../helpers/events';

const A = 4_200_001;
const B = 4_200_002;
const C2 = '203.0.113.7';

function connect(pid: number, name: string, timeUs: number): ConnectionEvent {
  return tierEvent({ pid, name, uid: 0 }, { timeUs, local: { ip: '192.0.2.10', port: 40000 + (pid % 1000) }, remote: { ip: C2, port: 443 } });
}

async function run(detect: boolean) {
  const { logger, lines } = capturedLogger();
  const host = { name: 'test', ip: '192.0.2.10', ips: ['192.0.2.10'], id: 'test-host', bootTimeMs: 0 };
  const ctx: Context = { logger, clock: systemClock, host, agentVersion: 'test' };
  let out: SourceOutput | undefined;
  const source: CaptureSource = { tier: 'ebpf', start: async (o) => void (out = o), stats: () => ({ events: 0, lost: 0 }), close: async () => {} };
  const sinks = [new CollectingSink(), new CollectingSink()];
  const pipeline = createPipeline(
    {
      source,
      sinks,
      processes: new ProcessTable({ hostId: host.id, bootTimeMs: 0, users: new UserNames() }),
      ownTraffic: new OwnTraffic(process.pid),
      udpIdleTimeoutMs: 60_000,
      statsIntervalMs: 3_600_000,
      detect: detect ? { ...DEFAULT_DETECT_OPTIONS, handoff: { ...DEFAULT_DETECT_OPTIONS.handoff, warmUpUs: 0 }, firstSeen: { learnForUs: 1e15 } } : undefined,
    },
    ctx,
  );
  await pipeline.start();
  const t0 = Date.now() * 1000;
  out!.process({ type: 'exec', pid: A, ppid: 1, uid: 0, comm: 'dropper', executable: '/tmp/.x/dropper', args: ['dropper'], startTicks: 11, timeUs: t0 });
  out!.connection(connect(A, 'dropper', t0 + 1000));
  out!.process({ type: 'exit', pid: A, timeUs: t0 + 2000 });
  out!.process({ type: 'exec', pid: B, ppid: 1, uid: 0, comm: 'implant', executable: '/var/tmp/implant', args: ['implant'], startTicks: 12, timeUs: t0 + 3000 });
  out!.connection(connect(B, 'implant', t0 + 60_000_000));
  await pipeline.close();
  return { sinks, lines, t0 };
}

test('the hand-off story through the pipeline: one alert to every sink, the exit to every sink, counts in stats', async () => {
  const { sinks, lines, t0 } = await run(true);
  for (const sink of sinks) {
    assert.deepEqual(
      sink.records.map((r) => r.alert?.rule ?? r.action),
      ['connection_attempted', 'connection_attempted', 'handoff'],
    );
    const alert = sink.records[2]!;
    assert.equal(alert.process?.executable, '/var/tmp/implant');
    assert.equal(alert.alert?.previous?.process.executable, '/tmp/.x/dropper');
    assert.equal(alert.alert?.previous?.endUs, t0 + 2000);
    assert.equal(sink.ends.length, 1);
    assert.equal(sink.ends[0]!.pid, A);
    assert.equal(sink.ends[0]!.entityId, sink.records[0]!.process?.entityId);
    assert.match(consoleLine(alert), /^\S+ ALERT handoff: 203\.0\.113\.7:443 was reached by dropper\[4200001\]/);
  }
  const stats = lines.find((l) => l.msg === 'stats') as { detect?: { alerts: Record<string, number>; evicted: Record<string, number> } } | undefined;
  assert.equal(stats?.detect?.alerts.handoff, 1);
  assert.equal(stats?.detect?.evicted.processes, 0);
});

test('detectors off: the same activity gives the records and the exit, no alert', async () => {
  const { sinks, lines } = await run(false);
  assert.deepEqual(
    sinks[0]!.records.map((r) => r.alert?.rule ?? r.action),
    ['connection_attempted', 'connection_attempted'],
  );
  // The store records process ends whether or not detectors run.
  assert.deepEqual(
    sinks[0]!.ends.map((e) => e.pid),
    [A],
  );
  assert.equal((lines.find((l) => l.msg === 'stats') as { detect?: unknown }).detect, undefined);
});
