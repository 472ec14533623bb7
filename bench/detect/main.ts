// npm run bench:detect — what the detectors add to the sensor's CPU per connection. A
// synthetic host at 1,000 connections/s of event time (short-lived processes of a few dozen
// programs; a resolver, popular servers and a long tail of addresses; some accepted
// connections and listeners; a few beacons) goes through the real pipeline into the real ECS
// file sink twice, without and with the detectors, in the same run; then through the
// DetectEngine alone. Reports CPU µs per connection and the detectors' share.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { ProcessEvent } from '../../src/core/stages';
import { DetectEngine } from '../../src/detect/engine';
import { huntOver } from '../../src/detect/hunt';
import { DEFAULT_DETECT_OPTIONS, type DetectOptions } from '../../src/detect/options';
import { tierEvent } from '../../test/helpers/events';
import { startEcsFilePipeline } from '../pipeline/ecs-file-pipeline';

const FIRST_PID = 4_000_000; // above pid_max: never a real process, so /proc is never read
const PROGRAMS = Array.from({ length: 40 }, (_, i) => `/usr/bin/prog${i}`);
const SSHD = FIRST_PID - 2;
const DAEMON = FIRST_PID - 1;

type Step = { kind: 'process'; ev: ProcessEvent } | { kind: 'connection'; ev: ConnectionEvent };

/** A deterministic generator, so every arm replays the same host. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function connection(pid: number, name: string, timeUs: number, remoteIp: string, remotePort: number, localPort: number, over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return tierEvent({ pid, name, uid: 1000 }, { timeUs, local: { ip: '192.0.2.10', port: localPort }, remote: { ip: remoteIp, port: remotePort }, ...over });
}

/** n connections at 1,000/s from t0: each process execs, makes one to four connections, exits. */
export function host(n: number, t0: number): Step[] {
  const next = random(42);
  const steps: Step[] = [
    { kind: 'process', ev: { type: 'exec', pid: SSHD, ppid: 1, uid: 0, comm: 'sshd', executable: '/usr/sbin/sshd', args: ['sshd'], startTicks: 1, timeUs: t0 } },
    { kind: 'process', ev: { type: 'exec', pid: DAEMON, ppid: 1, uid: 0, comm: 'daemon', executable: '/usr/sbin/daemon', args: ['daemon'], startTicks: 2, timeUs: t0 } },
  ];
  let pid = FIRST_PID;
  let made = 0;
  let t = t0;
  while (made < n) {
    pid++;
    const program = Math.floor(next() ** 2 * PROGRAMS.length);
    const exe = PROGRAMS[program]!;
    const name = exe.slice(exe.lastIndexOf('/') + 1);
    steps.push({ kind: 'process', ev: { type: 'exec', pid, ppid: 1, uid: 1000, comm: name, executable: exe, args: [name], startTicks: pid, timeUs: t } });
    const count = 1 + Math.floor(next() * 4);
    for (let k = 0; k < count && made < n; k++, made++) {
      t += 1000;
      const r = next();
      const localPort = 20000 + (made % 40000);
      let ev: ConnectionEvent;
      if (r < 0.3) ev = connection(pid, name, t, '192.0.2.53', 53, localPort, { action: 'udp_flow', transport: 'udp' });
      else if (r < 0.6) ev = connection(pid, name, t, `198.51.100.${1 + Math.floor(next() * 20)}`, 443, localPort);
      // Each program's own servers: a few dozen addresses, seen again and again.
      else if (r < 0.9) ev = connection(pid, name, t, `10.${program}.0.${Math.floor(next() * 40)}`, 443, localPort);
      // The host's sshd accepting its usual clients, and a service that rebinds now and then.
      else if (r < 0.995)
        ev = connection(SSHD, 'sshd', t, `10.200.0.${Math.floor(next() * 200)}`, 50000 + Math.floor(next() * 10000), 22, { action: 'connection_accepted', direction: 'ingress' });
      else ev = connection(DAEMON, 'daemon', t, '0.0.0.0', 0, 8000 + Math.floor(next() * 4), { action: 'listen', direction: 'ingress' });
      steps.push({ kind: 'connection', ev });
    }
    steps.push({ kind: 'process', ev: { type: 'exit', pid, timeUs: t + 500 } });
    // An implant, started anew each time, checking in every 5 s.
    if (Math.floor(t / 5_000_000) !== Math.floor((t - count * 1000) / 5_000_000)) {
      pid++;
      steps.push({
        kind: 'process',
        ev: { type: 'exec', pid, ppid: 1, uid: 1000, comm: 'implant', executable: '/var/tmp/implant', args: ['implant'], startTicks: pid, timeUs: t + 600 },
      });
      steps.push({ kind: 'connection', ev: connection(pid, 'implant', t + 700, '203.0.113.9', 443, 60000) });
      steps.push({ kind: 'process', ev: { type: 'exit', pid, timeUs: t + 800 } });
    }
  }
  return steps;
}

export async function throughPipeline(steps: readonly Step[], dir: string, detect?: DetectOptions): Promise<{ cpuMs: number; lines: number }> {
  const file = path.join(dir, `out-${detect ? 'detect' : 'plain'}.jsonl`);
  const { out, pipeline } = await startEcsFilePipeline(file, undefined, detect);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps.length; ) {
    const end = Math.min(steps.length, i + 100); // batches as the ring drain delivers them
    for (; i < end; i++) {
      const s = steps[i]!;
      // A fresh object per record, as a source hands over (attribution fills it in place).
      if (s.kind === 'process') out.process(s.ev);
      else out.connection({ ...s.ev, process: { ...s.ev.process! } });
    }
    await new Promise((r) => setImmediate(r));
  }
  await pipeline.close();
  const cpu = process.cpuUsage(cpu0);
  const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
  fs.rmSync(file);
  return { cpuMs: (cpu.user + cpu.system) / 1000, lines };
}

export function engineAlone(steps: readonly Step[], options: DetectOptions): { cpuMs: number; alerts: number; stats: ReturnType<DetectEngine['stats']> } {
  // The records as the pipeline hands them to the engine: with executables filled in.
  const exes = new Map<number, string>();
  const items = [];
  for (const s of steps) {
    if (s.kind === 'process') {
      if (s.ev.type === 'exec') exes.set(s.ev.pid, s.ev.executable);
      else if (s.ev.type === 'exit') items.push({ kind: 'process_end' as const, end: { pid: s.ev.pid, entityId: `e${s.ev.pid}`, timeUs: s.ev.timeUs } });
    } else {
      const p = s.ev.process!;
      items.push({ kind: 'connection' as const, ev: { ...s.ev, process: { ...p, executable: exes.get(p.pid), entityId: `e${p.pid}` } } });
    }
  }
  const engine = new DetectEngine(options);
  const cpu0 = process.cpuUsage();
  let alerts = 0;
  for (const item of items) alerts += engine.observe(item).length;
  const cpu = process.cpuUsage(cpu0);
  if (process.env.SHOW_ALERTS) for (const a of huntOver(items, options)) console.log(a.alert?.rule, a.alert?.reason);
  return { cpuMs: (cpu.user + cpu.system) / 1000, alerts, stats: engine.stats() };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  // Learning over halfway, so first-seen works through the second half of the run.
  const options: DetectOptions = { ...DEFAULT_DETECT_OPTIONS, firstSeen: { learnForUs: (n / 2) * 1000 } };
  const t0 = Date.now() * 1000;
  const steps = host(n, t0);
  const warm = host(20_000, t0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-detect-'));
  try {
    // Warm the JIT on both paths, as a long-running sensor is.
    await throughPipeline(warm, dir);
    await throughPipeline(warm, dir, options);
    engineAlone(warm, options);
    const plain = await throughPipeline(steps, dir);
    const withDetect = await throughPipeline(steps, dir, options);
    const alone = engineAlone(steps, options);
    const us = (ms: number) => ((ms / n) * 1000).toFixed(2);
    console.log(`${n} connections of a synthetic host at 1,000/s of event time (${steps.length - n} process events), warmed, one process`);
    console.log(`  pipeline + ECS file sink, no detectors:   ${us(plain.cpuMs)} µs CPU per connection (${plain.lines} records)`);
    console.log(`  pipeline + ECS file sink, detectors on:   ${us(withDetect.cpuMs)} µs CPU per connection (${withDetect.lines} records, alerts included)`);
    console.log(`  DetectEngine alone:                       ${us(alone.cpuMs)} µs CPU per connection, ${alone.alerts} alerts`);
    console.log(
      `  detectors' share of the pipeline's cost:  ${((alone.cpuMs / plain.cpuMs) * 100).toFixed(1)}% (engine alone), ${(((withDetect.cpuMs - plain.cpuMs) / plain.cpuMs) * 100).toFixed(1)}% (difference of the two pipeline runs)`,
    );
    console.log(`  at 1,000 connections/s the engine uses ${((alone.cpuMs / n) * 100).toFixed(2)}% of one core`);
    console.log(`  alerts by rule ${JSON.stringify(alone.stats.alerts)}; evicted ${JSON.stringify(alone.stats.evicted)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
