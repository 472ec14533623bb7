// npm run bench:pipeline — what the sensor's own user-space path costs per connection when
// nothing else competes for the CPU: the kernel tier's events for one short-lived connection
// (fork, connect, the listener's accept, exit) go through the real pipeline (process table,
// attribution, UDP flows, own-traffic filter) into the real JSON-lines file sink. Set beside
// `bench:capture` (sensor and load generator sharing two cores), it shows how much of that
// figure is our code and how much is the machine. Baseline in the same run: formatting the
// same records alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { ByteWriter } from '../../src/core/byte-writer';
import { createRecordFormatter } from '../../src/format/registry';
import { detectHostInfo } from '../../src/process/host-info';
import { tierEvent } from '../../test/helpers/events';
import { startEcsFilePipeline } from './ecs-file-pipeline';

const PARENT = 4_000_000; // above pid_max: never a real process, so /proc is never read for it
const LISTENER = 4_100_000;

function connect(pid: number, i: number, timeUs: number): ConnectionEvent {
  return tierEvent({ pid, name: 'loadgen', uid: 0 }, { timeUs, local: { ip: '127.0.0.1', port: 20000 + (i % 40000) } });
}

function accept(i: number, timeUs: number): ConnectionEvent {
  const listener = { pid: LISTENER, name: 'loadgen', uid: 0 };
  return tierEvent(listener, {
    timeUs,
    action: 'connection_accepted',
    direction: 'ingress',
    local: { ip: '127.0.0.1', port: 8080 },
    remote: { ip: '127.0.0.1', port: 20000 + (i % 40000) },
    tid: LISTENER + 1,
  });
}

async function run(n: number, dir: string): Promise<number> {
  const { out, pipeline } = await startEcsFilePipeline(path.join(dir, 'out.jsonl'));
  const t0 = Date.now() * 1000;
  out.process({ type: 'exec', pid: PARENT, ppid: 1, uid: 0, comm: 'loadgen', executable: '/opt/bench/loadgen', args: ['loadgen', '--rate', '1000'], startTicks: 1, timeUs: t0 });
  out.process({ type: 'exec', pid: LISTENER, ppid: PARENT, uid: 0, comm: 'loadgen', executable: '/opt/bench/loadgen', args: ['loadgen'], startTicks: 2, timeUs: t0 });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; ) {
    // Batches as the ring drain delivers them.
    const end = Math.min(n, i + 100);
    for (; i < end; i++) {
      const pid = PARENT + 1000 + (i % 90000);
      const t = t0 + i * 100;
      out.process({ type: 'fork', pid, ppid: PARENT, startTicks: 100 + i, timeUs: t });
      out.connection(connect(pid, i, t + 10));
      out.connection(accept(i, t + 20));
      out.process({ type: 'exit', pid, timeUs: t + 30 });
    }
    await new Promise((r) => setImmediate(r));
  }
  await pipeline.close();
  const cpu = process.cpuUsage(cpu0);
  const lines = fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').split('\n').length - 1;
  if (lines !== 2 * n) throw new Error(`expected ${2 * n} records, the file has ${lines}`);
  return (cpu.user + cpu.system) / 1000;
}

function baseline(n: number): number {
  const host = detectHostInfo();
  const env = { host, agentVersion: 'bench' };
  const proc = { pid: 1, name: 'loadgen', executable: '/opt/bench/loadgen', args: ['loadgen'], commandLine: 'loadgen', uid: 0, userName: 'root' };
  // The encoder the file sink uses, into a buffer emptied every 100 records (no I/O).
  const encode = createRecordFormatter('ecs', env).encode!;
  const out = new ByteWriter(1 << 20);
  const cpu0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    // A new process object per connection, as each short-lived process is new.
    const p = { ...proc, pid: PARENT + i };
    encode({ ...connect(p.pid, i, 1e15 + i), process: p }, out);
    encode({ ...accept(i, 1e15 + i), process: p }, out);
    if (i % 100 === 99) {
      bytes += out.pos;
      out.reset();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  if (bytes === 0) throw new Error('nothing formatted');
  return (cpu.user + cpu.system) / 1000;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-pipeline-'));
  try {
    await run(10_000, dir); // warm the JIT, as a long-running sensor is
    fs.rmSync(path.join(dir, 'out.jsonl'));
    const pipelineMs = await run(n, dir);
    const formatMs = baseline(n);
    console.log(`${n} short-lived connections (fork, connect, accept, exit; 2 records each), warmed, one process`);
    console.log(`  pipeline + ECS file sink:        ${((pipelineMs / n) * 1000).toFixed(1)} ms CPU per 1,000 connections`);
    console.log(`  baseline: ECS formatting alone:  ${((formatMs / n) * 1000).toFixed(1)} ms CPU per 1,000 connections`);
    console.log(`  ratio pipeline/baseline:         ${(pipelineMs / formatMs).toFixed(2)}×`);
    console.log('  (bench:capture adds decoding, the ring and the kernel, and shares two cores with the load generator)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
