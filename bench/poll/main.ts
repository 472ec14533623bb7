// npm run bench:poll — what the poll tier costs on an idle host: CPU of the sensor running
// `--source poll` at a 1 s interval for a while, as % of one core, next to an idle Node
// process measured over the same window (the baseline: what any Node process costs).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(__dirname, '../../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const TICKS = 100; // USER_HZ

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('packettrail ready')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`sensor exited ${c}: ${err}`)));
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'pt-bench-poll-'));
  const sensor = spawn(process.execPath, [CLI, 'run', '--source', 'poll', '--poll-interval', '1s', '--file', join(dir, 'out.jsonl'), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await waitReady(sensor);
    await sleep(2000); // let start-up work settle
    const s0 = cpuTicks(sensor.pid!);
    const i0 = cpuTicks(idle.pid!);
    await sleep(seconds * 1000);
    const sensorPct = ((cpuTicks(sensor.pid!) - s0) / TICKS / seconds) * 100;
    const idlePct = ((cpuTicks(idle.pid!) - i0) / TICKS / seconds) * 100;
    const procs = readFileSync('/proc/loadavg', 'utf8').split(' ')[3];
    console.log(`poll tier at 1 s, ${seconds} s window, processes running/total ${procs}`);
    console.log(`  sensor (--source poll):  ${sensorPct.toFixed(2)} % of one core`);
    console.log(`  baseline (idle node):    ${idlePct.toFixed(2)} % of one core`);
    console.log(`  ratio sensor/baseline:   ${idlePct > 0 ? `${(sensorPct / idlePct).toFixed(1)}×` : 'n/a (baseline 0)'}`);
    console.log(`  target < 2 % of one core: ${sensorPct < 2 ? 'met' : 'NOT met'}`);
  } finally {
    sensor.kill('SIGTERM');
    idle.kill('SIGKILL');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
