// The load generator's ground truth must be right, or the capture benchmark measures nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildLoadgen } from '../../bench/capture/build-loadgen';
import { killTracked } from '../../bench/capture/children';
import { parseSensorLine, type SensorRecord } from '../../bench/capture/ecs-record';
import { joinTruth } from '../../bench/capture/join';
import { runLoadgen, type LoadgenRun } from '../../bench/capture/run-loadgen';
import { itemAt } from '../helpers/items';
import { parseTruthLine } from '../../bench/capture/truth';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { ecsLine } from '../../src/format/ecs';

let dir = '';
let binary = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-loadgen-'));
  binary = buildLoadgen(path.join(dir, 'build'));
});

after(() => {
  killTracked();
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkTruth(run: LoadgenRun, count: number, startNs: bigint, endNs: bigint): void {
  const { summary, truth } = run;
  assert.deepEqual(run.truthErrors, []);
  assert.equal(summary.spawned, count);
  assert.equal(summary.ok, count);
  assert.equal(summary.failed, 0);
  assert.equal(summary.exe, binary);
  assert.equal(truth.length, count, 'one truth line per child');
  assert.equal(new Set(truth.map((t) => t.pid)).size, count, 'every connection from its own process');
  for (const t of truth) {
    assert.equal(t.ok, true);
    assert.notEqual(t.pid, summary.pid, 'children, not the generator, connect');
    assert.equal(t.ppid, summary.pid);
    assert.equal(t.comm, 'loadgen');
    assert.ok(t.localPort > 0 && t.localPort < 65536, `local port ${t.localPort}`);
    assert.equal(t.remotePort, summary.ports[t.kind]);
    assert.equal(t.remoteIp, t.family === 'ipv6' ? '::1' : '127.0.0.1');
    if (t.transport === 'tcp') assert.equal(t.localIp, t.remoteIp, 'connected TCP has a loopback local address');
    assert.ok(t.realNs >= startNs && t.realNs <= endNs, 'realtime stamp within the run');
  }
  const perKind = count / 3;
  for (const k of ['tcp4', 'tcp6', 'udp4'] as const) {
    assert.equal(truth.filter((t) => t.kind === k).length, perKind, `${k} count`);
    assert.equal(summary.okByKind[k], perKind);
    assert.equal(summary.seenByListener[k], perKind, `listener saw every ${k}`);
  }
  // The listener's own view: every child's local port arrived as a peer on the right listener.
  const peers = new Set(run.listener.map((l) => `${l.kind}/${l.peerPort}`));
  for (const t of truth) assert.ok(peers.has(`${t.kind}/${t.localPort}`), `listener saw ${t.kind} from port ${t.localPort}`);
  assert.equal(run.listener.length, count);
}

test('fork mode: one connection per short-lived child, truth matches what the listener saw', async () => {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const run = await runLoadgen({ binary, workDir: dir, rate: 200, count: 60, seconds: 30, listenerLog: true });
  const endNs = BigInt(Date.now() + 1) * 1_000_000n;
  checkTruth(run, 60, startNs, endNs);
  assert.ok(run.summary.achievedRate > 50, `achieved ${run.summary.achievedRate}/s at a 200/s target`);
  // Monotonic stamps follow spawn order closely enough to be increasing over the run.
  const mono = run.truth.map((t) => t.monoNs);
  assert.ok(itemAt(mono, mono.length - 1) > itemAt(mono, 0));
});

test('exec mode: children re-exec the binary and keep the same ground truth shape', async () => {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const run = await runLoadgen({ binary, workDir: dir, rate: 100, count: 30, seconds: 30, exec: true, listenerLog: true });
  const endNs = BigInt(Date.now() + 1) * 1_000_000n;
  assert.equal(run.summary.execMode, true);
  checkTruth(run, 30, startNs, endNs);
});

test('the join credits only records with the child pid and the loadgen executable', async () => {
  const run = await runLoadgen({ binary, workDir: dir, rate: 300, count: 9, seconds: 30 });
  const a = itemAt(run.truth, 0);
  const b = itemAt(run.truth, 1);
  const c = itemAt(run.truth, 2);
  const d = itemAt(run.truth, 3);
  const rec = (t: typeof a, pid: number | undefined, exe: string | undefined): SensorRecord => {
    const line = JSON.stringify({
      event: { action: t.transport === 'tcp' ? 'connection_attempted' : 'udp_flow' },
      network: { transport: t.transport, type: t.family, direction: 'egress' },
      source: { ip: t.localIp === '0.0.0.0' ? '127.0.0.1' : t.localIp, port: t.localPort },
      destination: { ip: t.remoteIp, port: t.remotePort },
      ...(pid !== undefined ? { process: { pid, executable: exe, name: 'loadgen' } } : {}),
      packettrail: { capture: 'ebpf', attribution: 'syscall' },
    });
    const r = parseSensorLine(line);
    assert.ok(!(r instanceof Error), String(r));
    return r;
  };
  const records = [rec(a, a.pid, binary), rec(b, run.summary.pid, binary), rec(c, c.pid, '/usr/bin/other'), rec(d, undefined, undefined)];
  const j = joinTruth(run.truth, records, binary);
  assert.equal(j.truth, 9);
  assert.equal(j.complete, 1);
  assert.equal(j.seen, 4);
  assert.equal(j.wrongPid, 1);
  assert.equal(j.wrongExecutable, 1);
  assert.equal(j.noProcess, 1);
  assert.equal(j.attribution.syscall, 1);
});

test('truth lines with missing or malformed fields are errors, not records', () => {
  assert.ok(parseTruthLine('{"pid":1}') instanceof Error);
  assert.ok(parseTruthLine('not json') instanceof Error);
  const good =
    '{"pid":5,"ppid":4,"comm":"loadgen","kind":"tcp4","transport":"tcp","family":"ipv4","local_ip":"127.0.0.1","local_port":70000,"remote_ip":"127.0.0.1","remote_port":1,"ok":true,"errno":0,"mono_ns":1,"real_ns":18446744073709551615}';
  assert.ok(parseTruthLine(good) instanceof Error, 'port 70000 is rejected');
  const r = parseTruthLine(good.replace('70000', '7000'));
  assert.ok(!(r instanceof Error));
  assert.equal(r.realNs, 18446744073709551615n, 'nanoseconds kept exactly');
});

test('a reused port credits each record to one connection: same pid first, else nearest in time', async () => {
  const run = await runLoadgen({ binary, workDir: dir, rate: 300, count: 3, seconds: 30 });
  const a = itemAt(run.truth, 0);
  // The same tuple used again 10 s later by another process, as RST-closed ports are.
  const later = { ...a, pid: a.pid + 1, realNs: a.realNs + 10_000_000_000n };
  const at = (ns: bigint, pid?: number): SensorRecord => {
    const r = parseSensorLine(
      JSON.stringify({
        '@timestamp': new Date(Number(ns / 1_000_000n)).toISOString(),
        network: { transport: a.transport, direction: 'egress' },
        source: { ip: a.localIp, port: a.localPort },
        destination: { ip: a.remoteIp, port: a.remotePort },
        ...(pid !== undefined ? { process: { pid, executable: binary } } : {}),
      }),
    );
    assert.ok(!(r instanceof Error), String(r));
    return r;
  };
  const truth = [a, later];
  let j = joinTruth(truth, [at(a.realNs, a.pid), at(a.realNs, a.pid)], binary);
  assert.equal(j.complete, 1, 'two records of one connection do not credit the other');
  assert.equal(j.seen, 1);
  assert.equal(j.sharedTuples, 2);
  j = joinTruth(truth, [at(later.realNs + 500_000_000n)], binary);
  assert.equal(j.seen, 1);
  assert.equal(j.noProcess, 1);
  assert.equal(j.missedExamples.find((m) => m.got === 'no record')?.pid, a.pid, 'the nearer connection got the record');
  j = joinTruth(truth, [at(a.realNs + 5_000_000_000n, a.pid)], binary);
  assert.equal(j.seen, 0, 'outside the time window nothing is credited');
});

test('records rendered by the project ECS formatter join back to their truth connections', async () => {
  const run = await runLoadgen({ binary, workDir: dir, rate: 300, count: 9, seconds: 30 });
  const env = { host: { name: 'h', ip: '127.0.0.1', ips: [], id: 'x', bootTimeMs: 0 }, agentVersion: '0' };
  const lines = run.truth.map((t) => {
    const ev: ConnectionEvent = {
      timeUs: Number(t.realNs / 1000n),
      action: t.transport === 'tcp' ? 'connection_attempted' : 'udp_flow',
      outcome: 'success',
      transport: t.transport,
      family: t.family,
      direction: 'egress',
      // A sensor may name the routed source address where the socket itself is unbound.
      local: { ip: t.localIp === '0.0.0.0' ? '127.0.0.1' : t.localIp, port: t.localPort },
      remote: { ip: t.remoteIp, port: t.remotePort },
      process: { pid: t.pid, name: t.comm, executable: binary },
      capture: 'ebpf',
      attribution: 'syscall',
    };
    return ecsLine(ev, env);
  });
  const records = lines.map((l) => parseSensorLine(l)).filter((r): r is SensorRecord => !(r instanceof Error));
  assert.equal(records.length, 9);
  const j = joinTruth(run.truth, records, binary);
  assert.equal(j.complete, 9);
  assert.equal(j.matchedRecords, 9);
});
