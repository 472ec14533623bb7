// The sensor is SIGKILLed while its TLS syslog receiver (a real rsyslog) is down and records
// wait in its spool; started again with the receiver up, every one of them arrives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli } from '../helpers/cli-run';
import { holdChild, type HeldChild } from '../helpers/children';
import { Rsyslog, parseStructuredData } from '../helpers/rsyslog';

const skip = process.getuid?.() !== 0 ? 'needs root for kernel capture' : false;
const dir = mkdtempSync(join(tmpdir(), 'pt-spool-e2e-'));
const held: HeldChild[] = [];
let rs: Rsyslog | undefined;
after(async () => {
  await Promise.all(held.map((c) => c.stop()));
  await rs?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const N = 25;

test('records spooled by a SIGKILLed sensor arrive after a restart (TLS to rsyslog)', { skip }, async () => {
  rs = await Rsyslog.create();
  const args = ['run', '--source', 'ebpf', '--syslog', `tls://127.0.0.1:${rs.ports.tls}`, '--syslog-ca', rs.caFile, '--spool-dir', join(dir, 'spool'), '--log-level', 'warn'];
  const first = await startCli(args);
  // N connections from one child, each from its own local port, while the receiver is down.
  const child = await holdChild(`
    const net = require('net');
    const srv = net.createServer((s) => s.destroy());
    srv.listen(0, '127.0.0.1', async () => {
      const ports = [];
      for (let i = 0; i < ${N}; i++) {
        await new Promise((r) => { const c = net.connect(srv.address().port, '127.0.0.1', () => { ports.push(c.localPort); c.destroy(); r(); }); });
      }
      console.log(JSON.stringify({ ports }));
    });
    setInterval(() => {}, 1000);`);
  held.push(child);
  await sleep(1500); // the records reach the spool file within an event-loop turn; leave margin
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  await rs.start();
  const second = await startCli(args);
  try {
    const wanted = new Set<number>(child.info.ports);
    const arrived = new Set<number>();
    const deadline = Date.now() + 20_000;
    while (arrived.size < wanted.size && Date.now() < deadline) {
      await sleep(250);
      for (const r of await rs.received()) {
        const sd = parseStructuredData(r.sd);
        if (sd instanceof Error) continue;
        const conn = sd.get('conn@32473');
        const proc = sd.get('proc@32473');
        if (proc?.get('pid')?.[0] !== String(child.pid) || conn?.get('action')?.[0] !== 'connection_attempted') continue;
        arrived.add(Number(conn.get('localPort')?.[0]));
      }
    }
    const missing = [...wanted].filter((p) => !arrived.has(p));
    assert.deepEqual(missing, [], `${missing.length} of ${N} connections never arrived`);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
