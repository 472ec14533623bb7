// One benchmark cell: a fresh sensor on one tier, an idle baseline, one loadgen run, drain, stop, join.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSensorLine, type SensorRecord } from './ecs-record';
import { joinTruth, type JoinResult } from './join';
import { cpuDelta, sampleCpu, sampleMem } from './proc-stats';
import { runLoadgen } from './run-loadgen';
import { startSensor } from './sensor';

export type Mode = 'fork' | 'exec';

export interface CellOptions {
  cli: string;
  loadgen: string;
  tier: string;
  mode: Mode;
  /** Connections per second; 0 = as fast as the machine forks. */
  rate: number;
  seconds: number;
  mix: string;
  workDir: string;
  settleMs: number;
  idleMs: number;
  drainMs: number;
  readyTimeoutMs: number;
  stopGraceMs: number;
}

export interface CellResult {
  tier: string;
  mode: Mode;
  requestedRate: number;
  status: 'ok' | 'failed-to-start' | 'sensor-died' | 'error';
  reason?: string;
  sensorTail?: string[];
  loadgen?: { achievedRate: number; spawned: number; ok: number; failed: number; spawnSeconds: number; distinctPids: number; truthErrors: number };
  join?: JoinResult;
  completePct?: number;
  seenPct?: number;
  cpu?: { idleMsPerSecond: number; loadCpuMs: number; msPer1000: number; method: string };
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

function readRecords(file: string): { records: SensorRecord[]; bad: number } {
  const records: SensorRecord[] = [];
  let bad = 0;
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
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

const pct = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 100_000) / 1000);

export async function runCell(o: CellOptions): Promise<CellResult> {
  const base: CellResult = { tier: o.tier, mode: o.mode, requestedRate: o.rate, status: 'ok' };
  fs.mkdirSync(o.workDir, { recursive: true });
  const outFile = path.join(o.workDir, 'sensor.jsonl');
  const started = await startSensor({ cli: o.cli, tier: o.tier, outFile, readyTimeoutMs: o.readyTimeoutMs });
  if (!started.ok) return { ...base, status: 'failed-to-start', reason: started.reason, sensorTail: started.tail };
  const sensor = started.sensor;
  try {
    // Idle baseline: CPU the sensor burns with no load (poll loops, timers), subtracted later.
    await sleep(o.settleMs);
    const c0 = sampleCpu(sensor.pid);
    await sleep(o.idleMs);
    const c1 = sampleCpu(sensor.pid);
    if (c0 instanceof Error || c1 instanceof Error) {
      return { ...base, status: 'sensor-died', reason: 'exited during the idle baseline', sensorTail: sensor.tail() };
    }
    const idle = cpuDelta(c0, c1);
    const idleNsPerNs = idle.wallNs > 0 ? idle.ns / idle.wallNs : 0;

    // A fixed count at the target rate; the time cap (+50%) stops a rate the machine cannot fork at.
    const count = o.rate > 0 ? Math.round(o.rate * o.seconds) : 0;
    const cap = o.rate > 0 ? o.seconds * 1.5 : o.seconds;
    const lg = await runLoadgen({ binary: o.loadgen, workDir: o.workDir, rate: o.rate, count, seconds: cap, mix: o.mix, exec: o.mode === 'exec' });
    await waitForDrain(outFile, o.drainMs);

    const c3 = sampleCpu(sensor.pid);
    const mem = sampleMem(sensor.pid);
    const exit = await sensor.stop(o.stopGraceMs);
    const { records, bad } = readRecords(outFile);
    const join = joinTruth(lg.truth, records, lg.summary.exe);
    const res: CellResult = {
      ...base,
      loadgen: {
        achievedRate: lg.summary.achievedRate, spawned: lg.summary.spawned, ok: lg.summary.ok, failed: lg.summary.failed,
        spawnSeconds: lg.summary.spawnSeconds, distinctPids: new Set(lg.truth.map((t) => t.pid)).size, truthErrors: lg.truthErrors.length,
      },
      join,
      completePct: pct(join.complete, join.truth),
      seenPct: pct(join.seen, join.truth),
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
    const load = cpuDelta(c1, c3);
    const loadCpuNs = Math.max(0, load.ns - idleNsPerNs * load.wallNs);
    res.cpu = {
      idleMsPerSecond: Math.round(idleNsPerNs * 1e3 * 1000) / 1000,
      loadCpuMs: Math.round(loadCpuNs / 1e4) / 100,
      msPer1000: join.truth > 0 ? Math.round((loadCpuNs / 1e6 / join.truth) * 1000 * 100) / 100 : 0,
      method: idle.method === load.method ? load.method : `idle ${idle.method}, load ${load.method}`,
    };
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
