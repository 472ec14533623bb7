// The receiver stops for 10 s in the middle of a stream and starts again: every numbered
// record still arrives over TCP and TLS (through the transport's resend window) and RELP
// (through its acknowledgements). Duplicates are allowed; losses are not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import { createSyslogSink, type SyslogSink } from '../../../src/sinks/syslog';
import { Backoff } from '../../../src/sinks/retry';
import { createRelpTransport } from '../../../src/sinks/syslog/relp-transport';
import { createStreamTransport, type StreamTransport } from '../../../src/sinks/syslog/stream-transport';
import { Rsyslog, sleep } from '../../helpers/rsyslog';
import { curlEvent, ENV } from '../../helpers/events';

let rs: Rsyslog;
const sinks: SyslogSink[] = [];
before(async () => {
  rs = await Rsyslog.create();
});
after(async () => {
  await Promise.all(sinks.map((s) => s.close(1000)));
  await rs?.cleanup();
});

const BASE = { tcp: 100_000, tls: 200_000, relp: 300_000 } as const;
type Input = keyof typeof BASE;

function numbersReceived(lines: Array<{ input: string; raw: string }>, input: Input, offset: number): Set<number> {
  const out = new Set<number>();
  for (const l of lines) {
    if (l.input !== input) continue;
    const m = / pid="(\d+)"/.exec(l.raw);
    if (m) out.add(Number(m[1]) - 4242 - BASE[input] - offset);
  }
  return out;
}

function hasAll(got: Set<number>, expected: number[]): boolean {
  return expected.every((x) => got.has(x));
}

async function streamAcrossOutage(how: 'stop' | 'kill', offset: number): Promise<void> {
  {
    await rs.start();
    const url = (s: Input, port: number) => `${s}://127.0.0.1:${port}`;
    const tcp: StreamTransport = createStreamTransport({ scheme: 'tcp', host: '127.0.0.1', port: rs.ports.tcp, logger: silentLogger, backoff: new Backoff({ baseMs: 200, maxMs: 2000, factor: 2 }) });
    const tls: StreamTransport = createStreamTransport({ scheme: 'tls', host: '127.0.0.1', port: rs.ports.tls, logger: silentLogger, tls: { caFile: rs.caFile }, backoff: new Backoff({ baseMs: 200, maxMs: 2000, factor: 2 }) });
    const relp = createRelpTransport({ host: '127.0.0.1', port: rs.ports.relp, logger: silentLogger, backoff: new Backoff({ baseMs: 200, maxMs: 2000, factor: 2 }) });
    const mk = (input: Input, port: number, transport: typeof relp) => {
      const s = createSyslogSink({ url: url(input, port), format: 'rfc5424', env: ENV, logger: silentLogger, transport });
      sinks.push(s);
      return s;
    };
    const out: Record<Input, SyslogSink> = { tcp: mk('tcp', rs.ports.tcp, tcp), tls: mk('tls', rs.ports.tls, tls), relp: mk('relp', rs.ports.relp, relp) };

    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        n++;
        for (const input of Object.keys(out) as Input[]) out[input].write(curlEvent(BASE[input] + offset + n));
        await sleep(10);
      }
    })();
    await sleep(1500);
    await (how === 'kill' ? rs.kill() : rs.stop());
    const writtenBeforeStop = n;
    await sleep(10_000);
    await rs.start();
    await sleep(1000);
    writing = false;
    await writer;
    const total = n;
    assert.ok(writtenBeforeStop > 20 && total > writtenBeforeStop + 100, `records written before (${writtenBeforeStop}) and during the outage (${total})`);

    // Reconnect backoff (capped at 2 s here) can still take a moment after the outage.
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      Promise.all(Object.values(out).map((s) => s.flush())).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 45_000))),
    ]);
    clearTimeout(timer);
    assert.ok(flushed, 'every sink flushed');
    for (const input of Object.keys(out) as Input[]) {
      assert.equal(out[input].stats().written, total, `${input} counted every record as delivered`);
      assert.equal(out[input].stats().dropped, 0);
    }

    const expected = Array.from({ length: total }, (_, i) => i + 1);
    let lines = await rs.received();
    for (let waited = 0; waited < 10_000; waited += 200) {
      // Count only this run's numbers: the set also holds the earlier test's, shifted below 1.
      if ((['tcp', 'tls', 'relp'] as Input[]).every((i) => hasAll(numbersReceived(lines, i, offset), expected))) break;
      await sleep(200);
      lines = await rs.received();
    }
    for (const input of ['tcp', 'tls', 'relp'] as Input[]) {
      const got = numbersReceived(lines, input, offset);
      const missing = expected.filter((x) => !got.has(x));
      assert.deepEqual(missing, [], `${input}: records missing after the outage (of ${total})`);
    }
    // The stream transports did resend what they had written just before the break.
    assert.ok(tcp.resentCount() > 0, 'tcp resent its window');
    assert.ok(tls.resentCount() > 0, 'tls resent its window');
    await Promise.all(Object.values(out).map((s) => s.close(1000)));
    await rs.stop();
  }
}

/**
 * rsyslogd is stopped (SIGSTOP) so it reads nothing, the records go out, then it crashes
 * (SIGKILL): what it had not read is lost with it, though the kernel accepted it. No record is
 * written after the crash: the transports must reconnect and resend on their own.
 */
async function resendWithoutNewRecords(): Promise<void> {
  await rs.start();
  const backoff = () => new Backoff({ baseMs: 200, maxMs: 1000, factor: 2 });
  const tcp = createStreamTransport({ scheme: 'tcp', host: '127.0.0.1', port: rs.ports.tcp, logger: silentLogger, backoff: backoff() });
  const tls = createStreamTransport({ scheme: 'tls', host: '127.0.0.1', port: rs.ports.tls, logger: silentLogger, tls: { caFile: rs.caFile }, backoff: backoff() });
  const out = {
    tcp: createSyslogSink({ url: `tcp://127.0.0.1:${rs.ports.tcp}`, format: 'rfc5424', env: ENV, logger: silentLogger, transport: tcp }),
    tls: createSyslogSink({ url: `tls://127.0.0.1:${rs.ports.tls}`, format: 'rfc5424', env: ENV, logger: silentLogger, transport: tls }),
  };
  sinks.push(out.tcp, out.tls);
  const offset = 2_000_000;
  // Connect first, so the records below go to the paused receiver rather than wait for a connection.
  out.tcp.write(curlEvent(BASE.tcp + offset));
  out.tls.write(curlEvent(BASE.tls + offset));
  await Promise.all([out.tcp.flush(), out.tls.flush()]);
  rs.pause();
  const total = 200;
  for (let n = 1; n <= total; n++) {
    out.tcp.write(curlEvent(BASE.tcp + offset + n));
    out.tls.write(curlEvent(BASE.tls + offset + n));
  }
  await Promise.all([out.tcp.flush(), out.tls.flush()]);
  assert.equal(out.tcp.stats().written, total + 1, 'the kernel took every tcp record');
  assert.equal(out.tls.stats().written, total + 1, 'the kernel took every tls record');
  await rs.kill();
  await sleep(1500);
  await rs.start();
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  let lines = await rs.received();
  for (let waited = 0; waited < 15_000; waited += 200) {
    // Count only this run's numbers: the set also holds the earlier tests', shifted below 1.
    if ((['tcp', 'tls'] as const).every((i) => hasAll(numbersReceived(lines, i, offset), expected))) break;
    await sleep(200);
    lines = await rs.received();
  }
  for (const input of ['tcp', 'tls'] as const) {
    const got = numbersReceived(lines, input, offset);
    assert.deepEqual(expected.filter((x) => !got.has(x)), [], `${input}: records missing after the crash`);
  }
  assert.ok(tcp.resentCount() >= total, `tcp resent its window (${tcp.resentCount()})`);
  assert.ok(tls.resentCount() >= total, `tls resent its window (${tls.resentCount()})`);
  await Promise.all([out.tcp.close(1000), out.tls.close(1000)]);
  await rs.stop();
}

describe('receiver outage', () => {
  // SIGTERM: rsyslogd shuts down in order. SIGKILL: a crash, where what it had read is lost
  // (without the resend window the last TCP records before the kill go missing).
  it('TCP, TLS and RELP deliver every numbered record across a 10 s stop (SIGTERM) of rsyslog', () => streamAcrossOutage('stop', 0));
  it('TCP, TLS and RELP deliver every numbered record across a crash (SIGKILL) and 10 s outage', () => streamAcrossOutage('kill', 1_000_000));
  it('TCP and TLS resend what a crashed receiver had not read, with no new record to send', () => resendWithoutNewRecords());
});
