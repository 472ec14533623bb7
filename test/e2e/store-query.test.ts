// End to end: the built sensor records a real node connection to 127.0.0.1 into its store,
// and `query --remote 127.0.0.1 --json` finds it with the process that made it, both while
// the sensor still runs (a read-only reader beside the writer) and after it stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCliSync, startCli } from '../helpers/cli-run';
import { holdChild, tcpPairScript, type HeldChild } from '../helpers/children';

const skip = process.getuid?.() !== 0 ? 'needs root for kernel capture' : false;
const dir = mkdtempSync(join(tmpdir(), 'pt-store-e2e-'));
const held: HeldChild[] = [];
after(async () => {
  await Promise.all(held.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function queryConnection(store: string, child: HeldChild): any[] {
  const r = runCliSync(['query', '--store', store, '--remote', '127.0.0.1', '--port', String(child.info.serverPort), '--json']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((rec) => rec.event.action === 'connection_attempted' && rec.source.port === child.info.clientPort);
}

test('run --store records a real connection that query --remote finds with its process', { skip }, async () => {
  const store = join(dir, 'state', 'pt.db');
  const sensor = await startCli(['run', '--store', store, '--source', 'ebpf', '--no-console', '--log-level', 'warn']);
  try {
    assert.match(sensor.stderr(), /ready capture=ebpf/);
    const child = await holdChild(tcpPairScript('127.0.0.1'));
    held.push(child);
    // Found while the sensor runs: its commits land within a commit interval.
    let live: any[] = [];
    for (let i = 0; i < 40 && live.length === 0; i++) {
      await sleep(250);
      live = queryConnection(store, child);
    }
    assert.equal(live.length, 1, 'found while the sensor writes');
    const rec = live[0];
    assert.equal(rec.process.pid, child.pid);
    assert.equal(rec.process.name, 'node');
    assert.equal(rec.process.executable, process.execPath);
    assert.equal(rec.destination.ip, '127.0.0.1');
    assert.equal(rec.destination.port, child.info.serverPort);
    assert.equal(rec.network.direction, 'egress');
    assert.equal(rec.packettrail.capture, 'ebpf');
    assert.equal(statSync(store).mode & 0o777, 0o600);
  } finally {
    assert.equal(await sensor.stop(), 0);
  }
  assert.equal(queryConnection(store, held[0]!).length, 1, 'still there after the sensor stopped');
});

test('with no sink named the sensor records into packettrail.db in its state directory', async () => {
  const state = join(dir, 'default-state');
  const sensor = await startCli(['run', '--source', 'poll', '--poll-interval', '200ms', '--log-level', 'warn'], 20_000, { PACKETTRAIL_STATE_DIR: state });
  try {
    const path = join(state, 'packettrail.db');
    assert.ok(existsSync(path), 'the default store exists');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(state, 'connections.jsonl')), 'no JSON-lines file by default');
  } finally {
    const code = await sensor.stop();
    assert.equal(code, 0, `exit ${code} ${sensor.child.signalCode}; stderr: ${sensor.stderr()}`);
  }
  const r = runCliSync(['query', '--store', join(state, 'packettrail.db'), '--csv']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^time,direction,/);
});
