// The syslog sink as the sensor builds it (the transport behind the disk spool) while the
// receiver is away: writes never throw, records wait on disk within the spool's limit, what
// the limit pushes out (the oldest) is counted, close() gives up on time and leaves the rest
// on disk, and the next start delivers it once the receiver is up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curlEvent } from '../../helpers/events';
import { fillWhileAway } from '../../helpers/fill-while-away';
import { Rsyslog } from '../../helpers/rsyslog';
import { waitFor } from '../../helpers/wait';
import { makeSpoolRoot, numbersReceived, spooledSyslogSink } from './spooled-syslog';

let rs: Rsyslog;
let spoolRoot = '';
before(async () => {
  spoolRoot = makeSpoolRoot();
  // Created, not started: nothing listens on its ports until the test starts it.
  rs = await Rsyslog.create();
});
after(async () => {
  await rs?.cleanup();
  if (spoolRoot) fs.rmSync(spoolRoot, { recursive: true, force: true });
});

const BASE = 7_000_000;
const N = 1000; // about 600 KB of RFC 5424: far over the spool's limit below
const MAX_BYTES = 128 * 1024;
const MEMORY_QUEUE_MAX = 50;
const BATCH_SIZE = 100;

describe('spooled syslog sink with the receiver away', () => {
  it('writes never throw, the spool stays within its limit and counts the oldest it drops, close gives up on time, the next start delivers the rest', async () => {
    const url = `tcp://127.0.0.1:${rs.ports.tcp}`;
    const spoolDir = path.join(spoolRoot, 'tcp');
    const tuning = { maxBytes: MAX_BYTES, segmentBytes: 16 * 1024, memoryQueueMax: MEMORY_QUEUE_MAX, batchSize: BATCH_SIZE, retry: { baseMs: 20, maxMs: 200, factor: 2 } };
    const first = spooledSyslogSink({ url, format: 'rfc5424', spoolDir, closeTimeoutMs: 500, ...tuning });
    const maxInMemory = await fillWhileAway(first, N, 50, (i) => assert.doesNotThrow(() => first.write(curlEvent(BASE + 1 + i))));
    await first.flush();
    await waitFor(() => first.spoolStats().retries >= 2, 'a few refused connects');
    const away = first.spoolStats();
    assert.equal(away.delivered, 0);
    assert.ok(away.retrying, 'the sink knows the receiver is failing');
    assert.ok(away.spoolBytes > 0 && away.spoolBytes <= MAX_BYTES, `records wait on disk within the limit (${away.spoolBytes} bytes)`);
    assert.ok(away.dropped > 0, 'what did not fit was dropped and counted');
    assert.ok(away.gaps >= 1, 'the drop is reported as a gap');
    assert.ok(maxInMemory <= MEMORY_QUEUE_MAX + BATCH_SIZE, `memory held at most ${maxInMemory} records`);

    // The first batch went out of the oldest segment, stays in memory while it retries, and
    // is not counted as dropped when that segment is dropped to make room.
    const inFlight = away.inMemory;
    assert.ok(inFlight > 0 && inFlight <= BATCH_SIZE, `one batch in flight (${inFlight} records)`);

    const t0 = Date.now();
    await first.close();
    assert.ok(Date.now() - t0 < 5000, 'close returned without the receiver');
    const closed = first.stats();
    assert.equal(closed.written, 0);
    assert.doesNotThrow(() => first.write(curlEvent(BASE + N + 1)), 'a write after close is ignored, not thrown');
    assert.deepEqual(first.stats(), closed, 'and neither sent nor spooled');

    await rs.start();
    const second = spooledSyslogSink({ url, format: 'rfc5424', spoolDir, ...tuning });
    try {
      // close() gives up on the batch in flight, and its segment is gone: it is neither on disk
      // nor counted as dropped. Everything else is on disk or counted.
      const left = N - closed.dropped - inFlight;
      // This receiver hears only this test: every tcp record is one of ours.
      await rs.waitFor(left, 20_000, (r) => r.input === 'tcp');
      await waitFor(() => second.stats().written >= left, 'the second start to count its deliveries');
      const got = [...numbersReceived(await rs.received(), 'tcp', BASE)].sort((a, b) => a - b);
      assert.equal(got.length, left, 'every record is delivered, counted as dropped, or was in flight at close');
      // Oldest first: what survived is the newest records, none missing among them.
      assert.deepEqual(
        got,
        Array.from({ length: left }, (_, i) => N - left + 1 + i),
      );
      assert.equal(second.stats().written, left);
      assert.equal(second.spoolStats().retrying, false);
    } finally {
      await second.close();
    }
  });
});
