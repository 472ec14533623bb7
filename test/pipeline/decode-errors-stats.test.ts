// A line the tracefs tier cannot decode reaches the periodic stats record, counted by kind.
// The line is real: text written to the source's own instance's trace_marker comes out of its
// trace_pipe as a `tracing_mark_write` event, which the tier never enables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Context } from '../../src/core/context';
import { createTracefsSource, probeTracefs } from '../../src/capture/tracefs';
import { TRACEFS_ROOT } from '../../src/capture/tracefs/instance';
import { createPipeline } from '../../src/pipeline/pipeline';
import { OwnTraffic } from '../../src/pipeline/own-traffic';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import { capturedLogger, WARN, type LogLine } from '../helpers/captured-log';
import { waitForValue } from '../helpers/wait';

const probe = probeTracefs();
const skip = probe.works ? false : `tracefs tier cannot run here: ${probe.reason}`;

test('tracefs decode errors are in the stats record by kind, and logged with component and err', { skip }, async () => {
  const { logger, lines } = capturedLogger();
  const host = { name: 'test', ip: '127.0.0.1', ips: ['127.0.0.1'], id: 'test-host', bootTimeMs: 0 };
  const ctx: Context = { logger, clock: systemClock, host, agentVersion: 'test' };
  const pipeline = createPipeline(
    {
      source: createTracefsSource({ logger, ignorePid: process.pid }),
      sinks: [],
      processes: new ProcessTable({ hostId: host.id, bootTimeMs: 0, users: new UserNames() }),
      ownTraffic: new OwnTraffic(process.pid),
      udpIdleTimeoutMs: 60_000,
      statsIntervalMs: 100,
    },
    ctx,
  );
  await pipeline.start();
  try {
    // The main instance prints fields, and a marker there as "UNKNOWN TYPE 5" (no event name:
    // bad_header); the v6 instance prints it as the event tracing_mark_write (unexpected_event).
    const instance = path.join(TRACEFS_ROOT, 'instances', `packettrail-${process.pid}`);
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(instance, 'trace_marker'), `packettrail test line ${i}\n`);
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(`${instance}-v6`, 'trace_marker'), `packettrail test line ${i}\n`);
    const stats = await waitForValue('a stats record with the decode errors', () =>
      lines.find((l) => l.msg === 'stats' && decodeErrors(l)?.unexpected_event === 2 && decodeErrors(l)?.bad_header === 3),
    );
    assert.equal(stats.capture, 'tracefs');
    assert.deepEqual(decodeErrors(stats), { bad_header: 3, unexpected_event: 2 });
    const warned = lines.filter((l) => l.msg === 'record did not decode');
    assert.deepEqual(warned.map((w) => w.kind).sort(), ['bad_header', 'bad_header', 'bad_header', 'unexpected_event', 'unexpected_event']);
    for (const w of warned) {
      assert.equal(w.level, WARN);
      assert.equal(w.component, 'tracefs');
      assert.equal(w.err?.code, 'E_DECODE');
      assert.equal(w.err?.type, 'PtError');
      if (w.kind === 'unexpected_event') assert.match(w.err!.message, /unexpected event tracing_mark_write/);
      assert.match(String(w.line), w.kind === 'unexpected_event' ? /packettrail test line/ : /UNKNOWN TYPE/);
    }
  } finally {
    await pipeline.close();
  }
});

function decodeErrors(l: LogLine): Record<string, number> | undefined {
  return (l.source as { decodeErrors?: Record<string, number> } | undefined)?.decodeErrors;
}
