// One benchmark cell: a fresh sensor on one tier, an idle baseline, one loadgen run, drain, stop, join.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSensorLine, type SensorRecord } from './ecs-record';
import { joinTruth, type JoinResult } from './join';
import { cpuDelta, sampleCpu, sampleMem, type CpuSample } from './proc-stats';
import { runLoadgen } from './run-loadgen';
import { startSensor } from './sensor';
import { sensorVariant } from './variants';

export type Mode = 'fork' | 'exec';

export interface CellOptions {
  cli: string;
  loadgen: string;
  tier: string;
  mode: Mode;
  /** Executable hashing on (the default) or off (hash.enabled: false), to measure its cost. */
  hash: boolean;
  /** Connections per second; 0 = as fast as the machine forks. */
  rate: number;
  seconds: number;
  mix: string;
  workDir: string;
  settleMs: number;
  idleMs: number;
  drainMs: number;
  /** Load at the cell's rate before the measured run (0: none), so the measured run is the steady state. */
  /**
   * Wait after the warm-up: the sensor's work deferred by its exited-process grace (sweeping
   * the warm-up's processes from the table) and V8's memory reducer (full GCs once the
   * allocation rate drops, from 8 s on) are not the measured run's.
   */
  graceMs: number;
  /** Connections made at full speed before the measured run (0: no warm-up). */
  warmupConnections: number;
  readyTimeoutMs: number;
  stopGraceMs: number;
}

export interface CellResult {
  tier: string;
  mode: Mode;
  hash: boolean;
  requestedRate: number;
  /** Which of the --repeat runs (from 1). */
  run?: number;
  status: 'ok' | 'failed-to-start' | 'sensor-died' | 'error';
  reason?: string;
  sensorTail?: string[];
  loadgen?: { achievedRate: number; spawned: number; ok: number; failed: number; spawnSeconds: number; distinctPids: number; truthErrors: number };
  join?: JoinResult;
  completePct?: number;
  seenPct?: number;
  /** Of the complete records, those carrying process.hash.sha256. */
  hashedPct?: number;
  cpu?: { idleMsPerSecond: number; loadCpuMs: number; msPer1000: number; method: string; warmupMsPer1000?: number };
  peakRssMB?: number;
  records?: number;
  badLines?: number;
  sensorExit?: { code: number | null; signal: string | null; killedAfterGrace: boolean };
}

function fileSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

/** Waits at least minMs, then until the file stops growing for 500 ms (at most 10 s more). */
async function waitForDrain(file: string, minMs: number): Promise<void> {
  await sleep(minMs);
  const until = Date.now() + 10_000;
  let last = fileSize(file);
  while (Date.now() < until) {
    await sleep(500);
    const now = fileSize(file);
    if (now === last) return;
    last = now;
  }
}

/** The records written from byte `from` of the file on (the measured run's, after a warm-up). */
function readRecords(file: string, from: number): { records: SensorRecord[]; bad: number } {
  const records: SensorRecord[] = [];
  let bad = 0;
  let text = '';
  try {
    text = fs.readFileSync(file).subarray(from).toString('utf8');
  } catch {
    return { records, bad };
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = parseSensorLine(line);
    if (r instanceof Error) bad++;
    else records.push(r);
  }
  return { records, bad };
}

/** The sensor's CPU over ms of no load, and the sample at its end; undefined if it exited. */
async function idleWindow(pid: number, ms: number): Promise<{ delta: ReturnType<typeof cpuDelta>; end: CpuSample } | undefined> {
  const start = sampleCpu(pid);
  await sleep(ms);
  const end = sampleCpu(pid);
  if (start instanceof Error || end instanceof Error) return undefined;
  return { delta: cpuDelta(start, end), end };
}

const pct = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 100_000) / 1000);

export async function runCell(o: CellOptions): Promise<CellResult> {
  const base: CellResult = { tier: o.tier, mode: o.mode, hash: o.hash, requestedRate: o.rate, status: 'ok' };
  fs.mkdirSync(o.workDir, { recursive: true });
  const outFile = path.join(o.workDir, 'sensor.jsonl');
  const variant = sensorVariant(o.tier);
  const extraArgs: string[] = [...(variant.args ?? [])];
  if (!o.hash) {
    const config = path.join(o.workDir, 'hash-off.yaml');
    fs.writeFileSync(config, 'hash: { enabled: false }\n');
    extraArgs.push('--config', config);
  }
  const started = await startSensor({ cli: o.cli, tier: variant.source, env: variant.env, outFile, readyTimeoutMs: o.readyTimeoutMs, extraArgs });
  if (!started.ok) return { ...base, status: 'failed-to-start', reason: started.reason, sensorTail: started.tail };
  const sensor = started.sensor;
  try {
    await sleep(o.settleMs);
    // Idle baseline: CPU the sensor burns with no load (timers, GC), subtracted later. Taken
    // before the warm-up and again after it; the smaller rate is used, so that start-up work
    // or the clean-up after the warm-up (expiring processes, GC) is never subtracted as "idle".
    const before = await idleWindow(sensor.pid, o.idleMs);
    if (!before) return { ...base, status: 'sensor-died', reason: 'exited during the idle baseline', sensorTail: sensor.tail() };
    let idle = before.delta;

    // Warm-up: the same kind of load, as fast as the machine forks, for a number of connections
    // first, so the measured run is the steady state of a long-running sensor (V8 has compiled
    // its hot code; the heap has grown to its working size) rather than start-up cost spread over
    // a few seconds. Counted in connections, not seconds: V8 optimises a function after enough
    // calls, and traced here (--trace-opt) the sensor was still compiling 15 s into a load of
    // 1,300 exec'd connections a second, and done after about 20,000 connections in either mode.
    // Two load generators one after the other, as the measured run is a third: a new long-lived
    // parent takes code paths (a new command line, a new parent to cache) that V8 deoptimises
    // for once. Its own figure is kept as well (the cold figure).
    let warm: { ns: number; wallNs: number; connections: number } | undefined;
    let c1 = before.end;
    if (o.warmupConnections > 0) {
      let connections = 0;
      for (const part of [1, 2]) {
        const warmDir = path.join(o.workDir, `warmup-${part}`);
        fs.mkdirSync(warmDir, { recursive: true });
        const wl = await runLoadgen({
          binary: o.loadgen,
          workDir: warmDir,
          rate: 0,
          count: Math.ceil(o.warmupConnections / 2),
          seconds: 30,
          mix: o.mix,
          exec: o.mode === 'exec',
        });
        connections += wl.truth.length;
      }
      await waitForDrain(outFile, o.drainMs);
      const wb = sampleCpu(sensor.pid);
      if (wb instanceof Error) return { ...base, status: 'sensor-died', reason: 'exited during the warm-up', sensorTail: sensor.tail() };
      warm = { ...cpuDelta(before.end, wb), connections };
      // The warm-up's processes leave the table a grace period after their exit, and V8
      // shrinks the heap once allocation stops: neither is the measured run's cost.
      await sleep(Math.max(o.settleMs, o.graceMs));
      const after = await idleWindow(sensor.pid, o.idleMs);
      if (!after) return { ...base, status: 'sensor-died', reason: 'exited during the idle baseline', sensorTail: sensor.tail() };
      if (after.delta.wallNs > 0 && idle.wallNs > 0 && after.delta.ns / after.delta.wallNs < idle.ns / idle.wallNs) idle = after.delta;
      c1 = after.end;
    }
    const idleNsPerNs = idle.wallNs > 0 ? idle.ns / idle.wallNs : 0;
    let warmupMsPer1000: number | undefined;
    if (warm && warm.connections > 0) {
      const warmNs = Math.max(0, warm.ns - idleNsPerNs * warm.wallNs);
      warmupMsPer1000 = Math.round((warmNs / 1e6 / warm.connections) * 1000 * 100) / 100;
    }
    const c2 = c1;
    const measuredFrom = fileSize(outFile);

    // A fixed count at the target rate; the time cap (+50%) stops a rate the machine cannot fork at.
    const count = o.rate > 0 ? Math.round(o.rate * o.seconds) : 0;
    const cap = o.rate > 0 ? o.seconds * 1.5 : o.seconds;
    const lg = await runLoadgen({ binary: o.loadgen, workDir: o.workDir, rate: o.rate, count, seconds: cap, mix: o.mix, exec: o.mode === 'exec' });
    await waitForDrain(outFile, o.drainMs);

    const c3 = sampleCpu(sensor.pid);
    const mem = sampleMem(sensor.pid);
    const exit = await sensor.stop(o.stopGraceMs);
    const { records, bad } = readRecords(outFile, measuredFrom);
    const join = joinTruth(lg.truth, records, lg.summary.exe);
    const res: CellResult = {
      ...base,
      loadgen: {
        achievedRate: lg.summary.achievedRate,
        spawned: lg.summary.spawned,
        ok: lg.summary.ok,
        failed: lg.summary.failed,
        spawnSeconds: lg.summary.spawnSeconds,
        distinctPids: new Set(lg.truth.map((t) => t.pid)).size,
        truthErrors: lg.truthErrors.length,
      },
      join,
      completePct: pct(join.complete, join.truth),
      seenPct: pct(join.seen, join.truth),
      hashedPct: pct(join.hashed, join.complete),
      records: records.length,
      badLines: bad,
      sensorExit: { code: exit.code, signal: exit.signal, killedAfterGrace: exit.killed },
    };
    if (c3 instanceof Error || mem instanceof Error) {
      res.status = 'sensor-died';
      res.reason = 'exited before the end of the load';
      res.sensorTail = sensor.tail();
      return res;
    }
    const load = cpuDelta(c2, c3);
    const loadCpuNs = Math.max(0, load.ns - idleNsPerNs * load.wallNs);
    res.cpu = {
      idleMsPerSecond: Math.round(idleNsPerNs * 1e3 * 1000) / 1000,
      loadCpuMs: Math.round(loadCpuNs / 1e4) / 100,
      msPer1000: join.truth > 0 ? Math.round((loadCpuNs / 1e6 / join.truth) * 1000 * 100) / 100 : 0,
      method: idle.method === load.method ? load.method : `idle ${idle.method}, load ${load.method}`,
    };
    if (warmupMsPer1000 !== undefined) res.cpu.warmupMsPer1000 = warmupMsPer1000;
    res.peakRssMB = Math.round((mem.hwmBytes / 1048576) * 10) / 10;
    if (exit.code !== 0) {
      res.reason = `sensor exit ${exit.code ?? exit.signal}${exit.killed ? ' (killed after SIGTERM grace)' : ''}`;
      res.sensorTail = sensor.tail();
    }
    return res;
  } catch (e) {
    return { ...base, status: 'error', reason: (e as Error).message, sensorTail: sensor.tail() };
  } finally {
    if (!sensor.exited()) await sensor.stop(o.stopGraceMs);
  }
}
