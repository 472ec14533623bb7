// Capture-completeness benchmark: for each tier and rate, run the sensor against the ground-truth
// load generator and report completeness, CPU per 1,000 connections and peak RSS.
// Usage: node dist/bench/capture/main.js [--tiers ebpf,tracefs,poll] [--rates 100,1000,5000,10000]
//        [--seconds 5] [--modes fork,exec] [--hash on,off] [--mix tcp4,tcp6,udp4] [--cli PATH] [--json PATH] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildLoadgen } from './build-loadgen';
import { runCell, type CellResult, type Mode } from './cell';
import { killTracked } from './children';
import { medians, renderMedians, renderTable, renderVerdicts, TARGET_TEXT, TARGETS, verdicts } from './report';
import { repoRoot } from './repo-root';

interface Options {
  tiers: string[];
  rates: number[];
  seconds: number;
  modes: Mode[];
  /** Executable hashing on, off, or both (cells side by side, for its cost). */
  hash: boolean[];
  mix: string;
  cli: string;
  json: string;
  keep: boolean;
  idleSeconds: number;
  drainSeconds: number;
  warmupConnections: number;
  graceSeconds: number;
  readyTimeoutSeconds: number;
  repeat: number;
}

function usageError(msg: string): never {
  process.stderr.write(`bench:capture: ${msg}\n`);
  process.exit(2);
}

function list(v: string, what: string): string[] {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (xs.length === 0) usageError(`--${what}: expected a comma-separated list`);
  return xs;
}

function positive(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usageError(`--${what}: expected a positive number, got ${v}`);
  return n;
}

function nonNegative(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) usageError(`--${what}: expected a number >= 0, got ${v}`);
  return n;
}

function parseOptions(argv: string[], root: string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tiers: { type: 'string', default: 'ebpf,tracefs,poll' },
      rates: { type: 'string', default: '100,1000,5000,10000' },
      seconds: { type: 'string', default: '5' },
      modes: { type: 'string', default: 'fork,exec' },
      hash: { type: 'string', default: 'on' },
      mix: { type: 'string', default: 'tcp4,tcp6,udp4' },
      cli: { type: 'string', default: path.join(root, 'dist', 'src', 'cli', 'main.js') },
      json: { type: 'string', default: path.join(root, 'bench', 'capture', 'build', 'capture-results.json') },
      keep: { type: 'boolean', default: false },
      'idle-seconds': { type: 'string', default: '2' },
      'drain-seconds': { type: 'string', default: '2' },
      'warmup-connections': { type: 'string', default: '20000' },
      // The process table's exited-process grace (10 s) and its sweep interval (1 s); also past
      // V8's memory reducer start (8 s after allocation drops).
      'grace-seconds': { type: 'string', default: '11' },
      'ready-timeout': { type: 'string', default: '30' },
      // Runs of every cell, the tiers taking turns within each run: medians compare tiers (and
      // variants such as ebpf-nowalk) under the same conditions of the machine.
      repeat: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const rates = list(values.rates!, 'rates').map((r) => (r === 'max' ? 0 : positive(r, 'rates')));
  const modes = list(values.modes!, 'modes');
  for (const m of modes) if (m !== 'fork' && m !== 'exec') usageError(`--modes: expected fork and/or exec, got ${m}`);
  const hash = list(values.hash!, 'hash');
  for (const h of hash) if (h !== 'on' && h !== 'off') usageError(`--hash: expected on and/or off, got ${h}`);
  for (const k of list(values.mix!, 'mix')) if (!['tcp4', 'tcp6', 'udp4', 'udp6'].includes(k)) usageError(`--mix: unknown kind ${k}`);
  return {
    tiers: list(values.tiers!, 'tiers'),
    rates,
    seconds: positive(values.seconds!, 'seconds'),
    modes: modes as Mode[],
    hash: hash.map((h) => h === 'on'),
    mix: values.mix!,
    cli: path.resolve(values.cli!),
    json: path.resolve(values.json!),
    keep: values.keep!,
    idleSeconds: positive(values['idle-seconds']!, 'idle-seconds'),
    drainSeconds: positive(values['drain-seconds']!, 'drain-seconds'),
    warmupConnections: nonNegative(values['warmup-connections']!, 'warmup-connections'),
    graceSeconds: nonNegative(values['grace-seconds']!, 'grace-seconds'),
    readyTimeoutSeconds: positive(values['ready-timeout']!, 'ready-timeout'),
    repeat: Math.round(positive(values.repeat!, 'repeat')),
  };
}

function machine(): Record<string, unknown> {
  const read = (p: string): string | undefined => {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    kernel: os.release(),
    node: process.version,
    pidMax: Number(read('/proc/sys/kernel/pid_max')),
    ephemeralPorts: read('/proc/sys/net/ipv4/ip_local_port_range'),
  };
}

async function main(): Promise<number> {
  const root = repoRoot();
  const o = parseOptions(process.argv.slice(2), root);
  const loadgen = buildLoadgen();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-capture-'));
  // Also on SIGINT (process.exit skips the finally below): the 'exit' event still runs.
  if (!o.keep) process.on('exit', () => fs.rmSync(runDir, { recursive: true, force: true }));
  const cells: CellResult[] = [];
  const cliMissing = !fs.existsSync(o.cli);
  process.stdout.write(
    `packetTrail capture benchmark: tiers ${o.tiers.join(',')}, rates ${o.rates.map((r) => r || 'max').join(',')}/s, ${o.seconds} s each, modes ${o.modes.join(',')}\n`,
  );
  process.stdout.write(`loadgen ${loadgen}; sensor ${o.cli}${cliMissing ? ' (NOT BUILT)' : ''}; work dir ${runDir}\n`);
  try {
    const startFailures = new Map<string, CellResult>();
    for (let run = 1; run <= o.repeat; run++) {
      for (const mode of o.modes) {
        for (const rate of o.rates) {
          for (const tier of o.tiers)
            for (const hash of o.hash) {
              const base = { tier, mode, hash, requestedRate: rate, run };
              const startFailure = startFailures.get(tier);
              let cell: CellResult;
              if (cliMissing) cell = { ...base, status: 'failed-to-start', reason: `sensor CLI not found at ${o.cli} (build it with npm run build)` };
              else if (startFailure) cell = { ...base, status: 'failed-to-start', reason: `skipped: ${startFailure.reason}` };
              else {
                cell = {
                  ...(await runCell({
                    cli: o.cli,
                    loadgen,
                    tier,
                    mode,
                    hash,
                    rate,
                    seconds: o.seconds,
                    mix: o.mix,
                    workDir: path.join(runDir, `${tier}-${mode}-${rate || 'max'}-hash-${hash ? 'on' : 'off'}-${run}`),
                    settleMs: 1000,
                    idleMs: o.idleSeconds * 1000,
                    drainMs: o.drainSeconds * 1000,
                    warmupConnections: o.warmupConnections,
                    graceMs: o.graceSeconds * 1000,
                    readyTimeoutMs: o.readyTimeoutSeconds * 1000,
                    stopGraceMs: 15_000,
                  })),
                  run,
                };
                if (cell.status === 'failed-to-start') startFailures.set(tier, cell);
              }
              cells.push(cell);
              const j = cell.join;
              process.stdout.write(
                `  ${tier}/${mode}/${rate || 'max'}/hash-${hash ? 'on' : 'off'}${o.repeat > 1 ? ` run ${run}` : ''}: ${cell.status}` +
                  (j ? ` complete ${cell.completePct}% seen ${cell.seenPct}% hashed ${cell.hashedPct}% of ${j.truth} at ${Math.round(cell.loadgen!.achievedRate)}/s` : '') +
                  (cell.cpu ? `, ${cell.cpu.msPer1000} ms cpu/1k, ${cell.peakRssMB} MB` : '') +
                  (cell.reason ? ` (${cell.reason})` : '') +
                  '\n',
              );
            }
        }
      }
    }
  } finally {
    killTracked();
    if (!o.keep) fs.rmSync(runDir, { recursive: true, force: true });
  }
  const vs = verdicts(cells);
  const summary = {
    benchmark: 'packettrail-capture',
    finishedAt: new Date().toISOString(),
    machine: machine(),
    options: { ...o, rates: o.rates.map((r) => r || 'max') },
    method: {
      hashed: 'of the complete truth connections, the share whose record carries process.hash.sha256',
      completeness:
        'truth connection counted when a record has the same transport, local port+ip, remote port+ip, the child pid AND the loadgen executable; seen = tuple match with any or no process',
      cpu: 'utime+stime of the sensor (per-thread schedstat sum, ns precision; /proc/PID/stat when threads exited) from the end of an idle window to just before SIGTERM (the window starts --grace-seconds after the warm-up drained, so the warm-up\'s deferred work, its processes swept from the table and V8 shrinking the heap, is over; the measured run\'s own sweep, 10 s after it, is not in the window), minus the idle rate (measured over --idle-seconds after a 1 s settle past "ready", and again after the warm-up, the smaller used) times that wall time, divided by successful truth connections',
      rss: 'VmHWM of the sensor process just before SIGTERM',
    },
    targets: { ...TARGETS, text: TARGET_TEXT },
    verdicts: vs,
    medians: medians(cells),
    cells,
    workDir: o.keep ? runDir : undefined,
  };
  fs.mkdirSync(path.dirname(o.json), { recursive: true });
  fs.writeFileSync(o.json, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `\n${renderTable(cells)}\n\n${renderMedians(cells)}\n\nTargets:\n${TARGET_TEXT.map((t) => `  - ${t}`).join('\n')}\n\n${renderVerdicts(vs)}\n\nJSON summary: ${o.json}\n`,
  );
  for (const c of cells) {
    if (c.sensorTail?.length && c.status !== 'ok')
      process.stdout.write(`\n${c.tier}/${c.mode}/${c.requestedRate || 'max'} sensor output (last lines):\n  ${c.sensorTail.slice(-8).join('\n  ')}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    killTracked();
    process.stderr.write(`bench:capture failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
