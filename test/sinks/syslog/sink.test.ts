import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import { createSyslogSink } from '../../../src/sinks/syslog';
import { freePort } from '../../helpers/rsyslog';
import { curlEvent, ENV } from '../../helpers/events';

describe('createSyslogSink', () => {
  it('with the receiver away: write never throws, the queue is bounded, drops are counted, close gives up on time', async () => {
    const port = await freePort(); // nothing listens there: every connect is refused
    const sink = createSyslogSink({ url: `tcp://127.0.0.1:${port}`, format: 'rfc5424', env: ENV, logger: silentLogger, maxQueue: 5 });
    for (let i = 1; i <= 12; i++) sink.write(curlEvent(i));
    await new Promise((r) => setTimeout(r, 300));
    const s = sink.stats();
    assert.equal(s.written, 0);
    assert.equal(s.dropped, 7, 'everything past the 5 queued was dropped and counted');
    const t0 = Date.now();
    await sink.close(500);
    assert.ok(Date.now() - t0 < 5000, 'close returned');
    assert.equal(sink.stats().dropped, 12, 'the undelivered queue is counted as dropped at close');
    sink.write(curlEvent(13));
    assert.equal(sink.stats().dropped, 13, 'a write after close is counted, not thrown');
  });
});
