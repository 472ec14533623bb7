// `packettrail SYSLOG_HOST SYSLOG_PORT` works as the original did: seed lines over UDP,
// checked field by field by a real UDP receiver, hostile process names escaped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli } from '../helpers/cli-run';
import { holdChild, tcpPairScript, type HeldChild } from '../helpers/children';
import { parseSeedLine } from '../helpers/seed-parse';

const held: HeldChild[] = [];
after(async () => {
  await Promise.all(held.map((c) => c.stop()));
});

test('seed lines over UDP, with a hostile process name escaped into exactly one record', async () => {
  const receiver = dgram.createSocket('udp4');
  const lines: string[] = [];
  receiver.on('message', (m) => lines.push(m.toString('utf8')));
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  const port = receiver.address().port;
  const sensor = await startCli(['127.0.0.1', String(port)]);
  // 15 bytes, the kernel's comm limit: a space, '=', a quote and a newline.
  const hostile = 'x y="q\nk=v';
  try {
    const child = await holdChild(tcpPairScript('127.0.0.1', `require('fs').writeFileSync('/proc/self/comm', ${JSON.stringify(hostile)});`));
    held.push(child);
    const deadline = Date.now() + 15_000;
    let mine: ReturnType<typeof parseSeedLine>[] = [];
    while (Date.now() < deadline) {
      await sleep(250);
      mine = lines.map(parseSeedLine).filter((r) => r.fields.pid === String(child.pid) && r.fields.sport === String(child.info.clientPort));
      if (mine.length > 0) break;
    }
    await sleep(1500); // later polls or events must not repeat it
    mine = lines.map(parseSeedLine).filter((r) => r.fields.pid === String(child.pid) && r.fields.sport === String(child.info.clientPort));
    assert.equal(mine.length, 1, `exactly one record for the connection; got ${JSON.stringify(lines)}`);
    const rec = mine[0]!;
    const raw = lines.find((l) => l.includes(`pid=${child.pid} `) && l.includes(`sport=${child.info.clientPort} `))!;
    assert.ok(!raw.includes('\n'), 'no raw newline in the line');
    assert.equal(rec.pri, '12');
    assert.match(rec.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(rec.hostName, hostname());
    assert.equal(rec.tag, 'packetTrail');
    // The original's first fields, in the original order.
    assert.deepEqual(
      rec.pairs.slice(0, 5).map(([k]) => k),
      ['process', 'sip', 'sport', 'rip', 'rport'],
    );
    assert.equal(rec.fields.process, hostile);
    assert.equal(rec.fields.sip, '127.0.0.1');
    assert.equal(rec.fields.rip, '127.0.0.1');
    assert.equal(rec.fields.rport, String(child.info.serverPort));
    assert.equal(rec.fields.proto, 'tcp');
    assert.equal(rec.fields.dir, 'out');
    assert.equal(rec.fields.exe, process.execPath);
    // The sensor never records its own traffic to its sinks.
    assert.equal(lines.map(parseSeedLine).filter((r) => r.fields.pid === String(sensor.child.pid)).length, 0);
    // No key was forged by the name: every key appears once.
    const keys = rec.pairs.map(([k]) => k);
    assert.equal(new Set(keys).size, keys.length);
  } finally {
    assert.equal(await sensor.stop(), 0);
    receiver.close();
  }
});
