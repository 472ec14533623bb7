// The receiver stops for 10 s in the middle of a stream and starts again: every numbered
// record still arrives through the sink the sensor runs, the transport behind the disk
// spool. During the outage new records wait in the spool; what TCP and TLS had written just
// before the break comes back through the transport's resend window, and RELP's through its
// acknowledgements. Duplicates are allowed; losses are not.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import type { BatchTransport } from '../../../src/sinks/delivery';
import { Backoff, type BackoffOptions } from '../../../src/sinks/retry';
import type { SpooledSink } from '../../../src/sinks/spool/spooled-sink';
import { createRelpTransport } from '../../../src/sinks/syslog/relp-transport';
import { createStreamTransport, type StreamTransport } from '../../../src/sinks/syslog/stream-transport';
import { curlEvent } from '../../helpers/events';
import { Rsyslog, sleep } from '../../helpers/rsyslog';
import { waitFor } from '../../helpers/wait';
import { delivered, makeSpoolRoot, numbersReceived, spooledSyslogSink } from './spooled-syslog';

let rs: Rsyslog;
let spoolRoot = '';
const sinks: SpooledSink[] = [];
before(async () => {
  spoolRoot = makeSpoolRoot();
  rs = await Rsyslog.create();
});
after(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await rs?.cleanup();
  if (spoolRoot) fs.rmSync(spoolRoot, { recursive: true, force: true });
});

const BASE = { tcp: 100_000, tls: 200_000, relp: 300_000 } as const;
type Input = keyof typeof BASE;
const INPUTS = Object.keys(BASE) as Input[];

/** The transports' reconnects and the spool's retries both back off up to this (the defaults go to 30 s). */
const BACKOFF_CAP_MS = 2000;
const outageBackoff: BackoffOptions = { baseMs: 200, maxMs: BACKOFF_CAP_MS, factor: 2 };

function streamTransport(scheme: 'tcp' | 'tls', backoff: BackoffOptions): StreamTransport {
  return createStreamTransport({
    scheme,
    host: '127.0.0.1',
    port: rs.ports[scheme],
    logger: silentLogger,
    backoff: new Backoff(backoff),
    ...(scheme === 'tls' ? { tls: { caFile: rs.caFile } } : {}),
  });
}

/** A spooled RFC 5424 sink over `transport`, with its own spool directory for this run. */
function sinkOver(run: string, input: Input, transport: BatchTransport, backoff: BackoffOptions): SpooledSink {
  const sink = spooledSyslogSink({
    url: `${input}://127.0.0.1:${rs.ports[input]}`,
    format: 'rfc5424',
    spoolDir: path.join(spoolRoot, `${run}-${input}`),
    transport,
    retry: backoff,
    closeTimeoutMs: 1000,
  });
  sinks.push(sink);
  return sink;
}

function hasAll(got: Set<number>, expected: number[]): boolean {
  return expected.every((x) => got.has(x));
}

/** Polls rsyslog until every expected number arrived over each input (or the time is up); returns what it read. */
async function receivedAll(inputs: readonly Input[], offset: number, expected: number[], timeoutMs: number) {
  let lines = await rs.received();
  for (let waited = 0; waited < timeoutMs; waited += 200) {
    // Count only this run's numbers: the set also holds the earlier tests', shifted below 1.
    if (inputs.every((i) => hasAll(numbersReceived(lines, i, BASE[i] + offset), expected))) break;
    await sleep(200);
    lines = await rs.received();
  }
  return lines;
}

async function streamAcrossOutage(t: TestContext, how: 'stop' | 'kill', offset: number): Promise<void> {
  await rs.start();
  const tcp = streamTransport('tcp', outageBackoff);
  const tls = streamTransport('tls', outageBackoff);
  const relp = createRelpTransport({ host: '127.0.0.1', port: rs.ports.relp, logger: silentLogger, backoff: new Backoff(outageBackoff) });
  const out: Record<Input, SpooledSink> = {
    tcp: sinkOver(how, 'tcp', tcp, outageBackoff),
    tls: sinkOver(how, 'tls', tls, outageBackoff),
    relp: sinkOver(how, 'relp', relp, outageBackoff),
  };

  let n = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      n++;
      for (const input of INPUTS) out[input].write(curlEvent(BASE[input] + offset + n));
      await sleep(10);
    }
  })();
  await sleep(1500);
  await (how === 'kill' ? rs.kill() : rs.stop());
  const writtenBeforeStop = n;
  await sleep(10_000);

  // The records of the outage wait on disk, not in memory (defaults: 2000 queued + a 500 batch).
  for (const input of INPUTS) {
    const s = out[input].spoolStats();
    assert.ok(s.retrying, `${input}: the sink knows the receiver is away`);
    assert.ok(s.spoolBytes > 0, `${input}: records wait in the spool`);
    assert.ok(s.delivered < n, `${input}: not everything was delivered during the outage`);
    assert.ok(s.inMemory <= 2500, `${input}: ${s.inMemory} records in memory`);
  }
  const deliveredBefore = Object.fromEntries(INPUTS.map((i) => [i, out[i].stats().written])) as Record<Input, number>;
  await rs.start();
  const back = Date.now();
  // Once the receiver is up, the transport reconnects within its backoff cap and the spool
  // retries within its own: delivery resumes within two caps, plus time for a busy machine.
  await waitFor(() => INPUTS.every((i) => out[i].stats().written > deliveredBefore[i]), 'delivery to resume', 30_000);
  const resumedMs = Date.now() - back;
  assert.ok(resumedMs <= 2 * BACKOFF_CAP_MS + 4000, `delivery resumed ${resumedMs} ms after the receiver came back`);
  t.diagnostic(`delivery resumed ${resumedMs} ms after the receiver came back`);
  await sleep(1000);
  writing = false;
  await writer;
  const total = n;
  assert.ok(writtenBeforeStop > 20 && total > writtenBeforeStop + 100, `records written before (${writtenBeforeStop}) and during the outage (${total})`);

  await Promise.all(INPUTS.map((i) => delivered(out[i], total, 45_000)));
  for (const input of INPUTS) {
    assert.equal(out[input].stats().written, total, `${input} counted every record as delivered`);
    assert.equal(out[input].stats().dropped, 0);
    assert.equal(out[input].gaps(), 0);
  }

  const expected = Array.from({ length: total }, (_, i) => i + 1);
  const lines = await receivedAll(INPUTS, offset, expected, 10_000);
  for (const input of INPUTS) {
    const got = numbersReceived(lines, input, BASE[input] + offset);
    const missing = expected.filter((x) => !got.has(x));
    assert.deepEqual(missing, [], `${input}: records missing after the outage (of ${total})`);
  }
  // The stream transports did resend what they had written just before the break.
  assert.ok(tcp.resentCount() > 0, 'tcp resent its window');
  assert.ok(tls.resentCount() > 0, 'tls resent its window');
  await Promise.all(INPUTS.map((i) => out[i].close()));
  await rs.stop();
}

/**
 * rsyslogd is stopped (SIGSTOP) so it reads nothing, the records go out, then it crashes
 * (SIGKILL): what it had not read is lost with it, though the kernel accepted it and the
 * spool has let it go. No record is written after the crash: the transports must reconnect
 * and resend on their own.
 */
async function resendWithoutNewRecords(): Promise<void> {
  await rs.start();
  const backoff: BackoffOptions = { baseMs: 200, maxMs: 1000, factor: 2 };
  const tcp = streamTransport('tcp', backoff);
  const tls = streamTransport('tls', backoff);
  const out = { tcp: sinkOver('crash', 'tcp', tcp, backoff), tls: sinkOver('crash', 'tls', tls, backoff) };
  const offset = 2_000_000;
  // Connect first, so the records below go to the paused receiver rather than wait for a connection.
  out.tcp.write(curlEvent(BASE.tcp + offset));
  out.tls.write(curlEvent(BASE.tls + offset));
  await Promise.all([delivered(out.tcp, 1), delivered(out.tls, 1)]);
  rs.pause();
  const total = 200;
  for (let n = 1; n <= total; n++) {
    out.tcp.write(curlEvent(BASE.tcp + offset + n));
    out.tls.write(curlEvent(BASE.tls + offset + n));
  }
  await Promise.all([delivered(out.tcp, total + 1), delivered(out.tls, total + 1)]);
  assert.equal(out.tcp.stats().written, total + 1, 'the kernel took every tcp record');
  assert.equal(out.tls.stats().written, total + 1, 'the kernel took every tls record');
  for (const s of [out.tcp, out.tls]) {
    assert.equal(s.spoolStats().retrying, false, `${s.name}: nothing waits in the spool; the resend window alone must recover`);
  }
  await rs.kill();
  await sleep(1500);
  await rs.start();
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  const lines = await receivedAll(['tcp', 'tls'], offset, expected, 15_000);
  for (const input of ['tcp', 'tls'] as const) {
    const got = numbersReceived(lines, input, BASE[input] + offset);
    assert.deepEqual(
      expected.filter((x) => !got.has(x)),
      [],
      `${input}: records missing after the crash`,
    );
  }
  assert.ok(tcp.resentCount() >= total, `tcp resent its window (${tcp.resentCount()})`);
  assert.ok(tls.resentCount() >= total, `tls resent its window (${tls.resentCount()})`);
  await Promise.all([out.tcp.close(), out.tls.close()]);
  await rs.stop();
}

describe('receiver outage', () => {
  // SIGTERM: rsyslogd shuts down in order. SIGKILL: a crash, where what it had read is lost
  // (without the resend window the last TCP records before the kill go missing).
  it('TCP, TLS and RELP deliver every numbered record across a 10 s stop (SIGTERM) of rsyslog', (t) => streamAcrossOutage(t, 'stop', 0));
  it('TCP, TLS and RELP deliver every numbered record across a crash (SIGKILL) and 10 s outage', (t) => streamAcrossOutage(t, 'kill', 1_000_000));
  it('TCP and TLS resend what a crashed receiver had not read, with no new record to send', () => resendWithoutNewRecords());
});
