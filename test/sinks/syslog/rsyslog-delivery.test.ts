// Every syslog transport against a real rsyslogd on loopback: fields arrive intact, hostile
// process data included, exactly one record per event. The sink tests go through the disk
// spool, as the sensor does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import { silentLogger } from '../../../src/core/context';
import { rfc3164Line } from '../../../src/format/rfc3164';
import { rfc5424Line } from '../../../src/format/rfc5424';
import { createSyslogTransport, type SyslogFormat } from '../../../src/sinks/syslog';
import { parseStructuredData, Rsyslog, sleep, type Received } from '../../helpers/rsyslog';
import { curlEvent, ENV, expectedText, HOSTILE_NAMES } from '../../helpers/events';
import type { SpooledSink } from '../../../src/sinks/spool/spooled-sink';
import { delivered, makeSpoolRoot, spooledSyslogSink } from './spooled-syslog';

let rs: Rsyslog;
let spoolRoot = '';
before(async () => {
  spoolRoot = makeSpoolRoot();
  rs = await Rsyslog.create();
  await rs.start();
});
after(async () => {
  await rs?.cleanup();
  if (spoolRoot) fs.rmSync(spoolRoot, { recursive: true, force: true });
});

const LONG_CMD = `bash -c ${'echo hostile; '.repeat(750)}`; // ~10 KB

/** Hostile events, each numbered in its pid so it can be matched on arrival. */
function hostileEvents(base: number): ConnectionEvent[] {
  const evs = HOSTILE_NAMES.map((name, i) => curlEvent(base + i, { name, commandLine: `${name} arg`, executable: `/tmp/${name}` }));
  evs.push(curlEvent(base + HOSTILE_NAMES.length, { name: 'bash', commandLine: LONG_CMD }));
  return evs;
}

function sdOf(r: Received) {
  const sd = parseStructuredData(r.sd);
  assert.ok(!(sd instanceof Error), `rsyslog's SD parses: ${String(sd)}: ${r.sd.slice(0, 300)}`);
  return sd;
}

async function checkHostileArrive(url: string, input: string, base: number, maxBytes: number, tls?: { caFile: string; serverName?: string }) {
  const transport = createSyslogTransport(url, { logger: silentLogger, ...(tls ? { tls } : {}) });
  try {
    const evs = hostileEvents(base);
    const lines = evs.map((ev, i) => rfc5424Line(ev, { ...ENV, sequenceId: i + 1, maxBytes }));
    const results = await transport.send(lines);
    assert.deepEqual(
      results.map((r) => r.kind),
      lines.map(() => 'ok'),
    );
    const mine = (r: Received) => r.input === input && r.app === 'packetTrail';
    const byPid = new Map<number, Received[]>();
    const got = await rs.waitFor(
      evs.length,
      10_000,
      (r) => mine(r) && Number(sdOf(r).get('proc@32473')?.get('pid')?.[0]) >= 4242 + base && Number(sdOf(r).get('proc@32473')?.get('pid')?.[0]) < 4242 + base + evs.length,
    );
    await sleep(300); // a duplicate or a forged second record would show up by now
    const again = (await rs.received()).filter((r) => got.includes(r) || mine(r));
    for (const r of again) {
      const pid = Number(sdOf(r).get('proc@32473')?.get('pid')?.[0]);
      if (pid >= 4242 + base && pid < 4242 + base + evs.length) byPid.set(pid, [...(byPid.get(pid) ?? []), r]);
    }
    // Records that did not parse as ours at all (a forged split) would fail sdOf above.
    evs.forEach((ev, i) => {
      const rec = byPid.get(ev.process!.pid);
      assert.equal(rec?.length, 1, `exactly one record for event ${i} (${JSON.stringify(ev.process!.name)})`);
      const r = rec[0]!;
      assert.equal(r.host, ENV.host.name);
      assert.equal(r.msgid, 'connection_attempted');
      assert.equal(r.pri, 14);
      const sd = sdOf(r);
      assert.deepEqual([...sd.keys()], ['conn@32473', 'proc@32473', 'origin', 'meta']);
      const proc = sd.get('proc@32473')!;
      assert.equal(sd.get('meta')!.get('sequenceId')![0], String(i + 1));
      assert.equal(sd.get('conn@32473')!.get('dst')![0], '93.184.216.34');
      assert.equal(sd.get('conn@32473')!.get('sport')![0], String(ev.local.port));
      if (ev.process!.commandLine === LONG_CMD) {
        const cmd = proc.get('cmd')![0]!;
        const m = /^(.*)…\[truncated (\d+) bytes\]$/s.exec(cmd);
        assert.ok(m, 'the 10 KB command line arrives truncated with a mark');
        assert.ok(LONG_CMD.startsWith(m[1]!));
        assert.ok(Buffer.byteLength(r.raw) <= maxBytes);
      } else {
        assert.equal(proc.get('name')![0], expectedText(ev.process!.name));
        assert.equal(proc.get('cmd')![0], expectedText(ev.process!.commandLine!));
        assert.equal(proc.get('exe')![0], expectedText(ev.process!.executable!));
      }
    });
  } finally {
    await transport.close();
  }
}

/** Sends `ev` alone through a spooled sink with its own spool, checks that it was delivered, then hands the sink to `check`. */
async function deliverOne(url: string, format: SyslogFormat, spoolName: string, ev: ConnectionEvent, check: (sink: SpooledSink) => Promise<void>): Promise<void> {
  const sink = spooledSyslogSink({ url, format, spoolDir: path.join(spoolRoot, spoolName) });
  try {
    sink.write(ev);
    await delivered(sink, 1);
    assert.deepEqual(sink.stats(), { written: 1, dropped: 0, errors: 0 });
    await check(sink);
  } finally {
    await sink.close();
  }
}

describe('syslog to a real rsyslog', () => {
  it('seed over UDP through the spooled sink: the original header and fields arrive (asserted on the raw message)', async () => {
    await deliverOne(`udp://127.0.0.1:${rs.ports.udp}`, 'seed', 'udp-seed', curlEvent(900, { name: 'ssh agent"x' }), async (sink) => {
      const got = await rs.waitFor(1, 10_000, (r) => r.input === 'udp' && r.raw.includes('pid=5142'));
      assert.match(
        got[0]!.raw,
        /^<12>2025-11-26T15:20:27Z 192\.0\.2\.10 sensor-01\.example\.test packetTrail process="ssh agent\\"x" sip=192\.0\.2\.10 sport=40900 rip=93\.184\.216\.34 rport=443 proto=tcp dir=out /,
      );
      const own = sink.ownEndpoints();
      assert.equal(own.length, 1);
      assert.equal(own[0]!.ip, '127.0.0.1');
      assert.ok(own[0]!.port > 0 && own[0]!.port !== rs.ports.udp);
    });
  });

  it('rfc5424 over UDP: hostile fields arrive intact, one record per event (2 KB cap)', async () => {
    await checkHostileArrive(`udp://127.0.0.1:${rs.ports.udp}`, 'udp', 1000, 2048);
  });

  it('rfc5424 over TCP (octet counting): hostile fields arrive intact, one record per event (8 KB cap)', async () => {
    await checkHostileArrive(`tcp://127.0.0.1:${rs.ports.tcp}`, 'tcp', 2000, 8192);
  });

  it('rfc5424 over TLS with the test CA: hostile fields arrive intact', async () => {
    await checkHostileArrive(`tls://127.0.0.1:${rs.ports.tls}`, 'tls', 3000, 8192, { caFile: rs.caFile });
    await checkHostileArrive(`tls://127.0.0.1:${rs.ports.tls}`, 'tls', 3100, 8192, { caFile: rs.caFile, serverName: 'localhost' });
  });

  it('rfc5424 over RELP: hostile fields arrive intact, acknowledged', async () => {
    await checkHostileArrive(`relp://127.0.0.1:${rs.ports.relp}`, 'relp', 4000, 8192);
  });

  it('TLS refuses a receiver whose certificate does not carry the servername, and one signed by another CA', async () => {
    const wrongName = createSyslogTransport(`tls://127.0.0.1:${rs.ports.tls}`, { logger: silentLogger, tls: { caFile: rs.caFile, serverName: 'not-the-receiver.example' } });
    const noCa = createSyslogTransport(`tls://127.0.0.1:${rs.ports.tls}`, { logger: silentLogger });
    try {
      const [r1] = await wrongName.send([rfc5424Line(curlEvent(5000), { ...ENV, sequenceId: 1, maxBytes: 8192 })]);
      assert.equal(r1!.kind, 'retry');
      assert.match((r1 as { reason: string }).reason, /not-the-receiver\.example|altname|Hostname/i);
      const [r2] = await noCa.send([rfc5424Line(curlEvent(5001), { ...ENV, sequenceId: 1, maxBytes: 8192 })]);
      assert.equal(r2!.kind, 'retry');
      assert.match((r2 as { reason: string }).reason, /self[- ]signed|unable to (get|verify)|certificate/i);
      await sleep(300);
      const leaked = (await rs.received()).filter((r) => r.raw.includes('pid="9242"') || r.raw.includes('pid="9243"'));
      assert.equal(leaked.length, 0, 'nothing was delivered over an unverified connection');
    } finally {
      await wrongName.close();
      await noCa.close();
    }
  });

  it('rfc3164 over TCP through the spooled sink: pairs arrive, a newline in a name does not split the record', async () => {
    await deliverOne(`tcp://127.0.0.1:${rs.ports.tcp}`, 'rfc3164', 'tcp-rfc3164', curlEvent(6000, { name: 'two\nlines forged=1' }), async (sink) => {
      const expected = rfc3164Line(curlEvent(6000, { name: 'two\nlines forged=1' }), ENV);
      const got = await rs.waitFor(1, 10_000, (r) => r.input === 'tcp' && r.raw.includes('pid=10242'));
      await sleep(200);
      assert.equal((await rs.received()).filter((r) => r.raw.includes('forged') && r.raw.includes('pid=10242')).length, 1);
      // The pid in packetTrail[pid] is this process's: compare from the colon on.
      assert.equal(got[0]!.raw.slice(got[0]!.raw.indexOf(']: ')), expected.slice(expected.indexOf(']: ')));
      assert.equal(got[0]!.app, 'packetTrail');
      assert.match(got[0]!.raw, /process="two\\nlines forged=1" sip=/);
      const own = sink.ownEndpoints();
      assert.ok(own.length === 1 && own[0]!.ip === '127.0.0.1' && own[0]!.port !== rs.ports.tcp);
    });
  });
});
