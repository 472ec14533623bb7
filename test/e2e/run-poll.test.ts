// The built CLI with the poll tier finds real connections of real processes, once each.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli } from '../helpers/cli-run';
import { holdChild, tcpPairScript, type HeldChild } from '../helpers/children';

const dir = mkdtempSync(join(tmpdir(), 'pt-poll-'));
const held: HeldChild[] = [];
after(async () => {
  await Promise.all(held.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function records(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test('poll tier records IPv4, IPv6 and UDP connections of a child with its process', async () => {
  const out = join(dir, 'poll.jsonl');
  const sensor = await startCli(['run', '--source', 'poll', '--poll-interval', '200ms', '--file', out, '--log-level', 'warn']);
  try {
    assert.match(sensor.stderr(), /ready capture=poll/);
    const v4 = await holdChild(tcpPairScript('127.0.0.1'));
    held.push(v4);
    const v6 = await holdChild(tcpPairScript('::1'));
    held.push(v6);
    const udp = await holdChild(`
      const d = require('dgram');
      const srv = d.createSocket('udp4');
      srv.bind(0, '127.0.0.1', () => {
        const c = d.createSocket('udp4');
        c.connect(srv.address().port, '127.0.0.1', () => {
          console.log(JSON.stringify({ serverPort: srv.address().port, clientPort: c.address().port }));
        });
      });
      setInterval(() => {}, 1000);`);
    held.push(udp);
    await sleep(1500); // several polls: each connection must still be recorded once

    const recs = records(out);
    const of = (pid: number) => recs.filter((r) => r.process?.pid === pid);

    for (const [child, ip, type] of [
      [v4, '127.0.0.1', 'ipv4'],
      [v6, '::1', 'ipv6'],
    ] as const) {
      const mine = of(child.pid);
      const egress = mine.filter((r) => r.event.action === 'connection_attempted' && r.source.port === child.info.clientPort);
      assert.equal(egress.length, 1, `one egress record for ${type}: ${JSON.stringify(mine)}`);
      const r = egress[0];
      assert.equal(r.destination.ip, ip);
      assert.equal(r.destination.port, child.info.serverPort);
      assert.equal(r.network.type, type);
      assert.equal(r.network.transport, 'tcp');
      assert.equal(r.network.direction, 'egress');
      assert.equal(r.process.name, 'node');
      assert.equal(r.process.executable, process.execPath);
      assert.equal(r.user.name, userInfo().username);
      assert.equal(r.packettrail.capture, 'poll');
      assert.equal(r.packettrail.attribution, 'socket-owner');
      assert.match(r.network.community_id, /^1:/);
      const accepted = mine.filter((x) => x.event.action === 'connection_accepted' && x.destination.port === child.info.serverPort);
      assert.equal(accepted.length, 1, `one ingress record for ${type}`);
      assert.equal(accepted[0].source.port, child.info.clientPort);
      assert.equal(accepted[0].network.direction, 'ingress');
      assert.equal(mine.filter((x) => x.event.action === 'listen').length, 1);
    }
    const flows = of(udp.pid).filter((r) => r.event.action === 'udp_flow');
    assert.equal(flows.length, 1, JSON.stringify(of(udp.pid)));
    assert.equal(flows[0].source.port, udp.info.clientPort);
    assert.equal(flows[0].destination.port, udp.info.serverPort);
    assert.equal(flows[0].network.transport, 'udp');
  } finally {
    assert.equal(await sensor.stop(), 0);
  }
});
