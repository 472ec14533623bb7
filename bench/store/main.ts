// Store benchmark (`npm run bench:store`): records per second inserted through the real store
// sink (with the JSON-lines file sink on the same records as the baseline), bytes on disk per
// connection, and query latencies at each size in --rows (default 1000000,10000000): by remote
// address, by process, by CIDR over a day, count-by over a week. The data is synthetic but
// host-like (bench/store/synthetic.ts), spread evenly over the last seven days.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../../src/core/context';
import { createFileSink } from '../../src/sinks/file/jsonl-file-sink';
import { createRecordFormatter } from '../../src/format/registry';
import { countBy, createStoreSink, openStoreReadOnly, parseAddressRange, searchConnections, type ConnectionFilter } from '../../src/sinks/store';
import { SyntheticHost } from './synthetic';
import { ENV } from '../../test/helpers/events';

const DAY_US = 86_400_000_000;
const CHUNK = 8192;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

/** CPU ticks (user + system) of each thread of this process, by thread id. */
function threadTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * CPU seconds of the busiest thread other than the main one between two readings: the store's
 * writer thread. Per-thread CPU time holds on a loaded machine, where wall time does not.
 */
function writerThreadSeconds(before: Map<number, number>, after: Map<number, number>, ticksPerSecond: number): number {
  let max = 0;
  for (const [tid, ticks] of after) if (tid !== process.pid) max = Math.max(max, ticks - (before.get(tid) ?? 0));
  return max / ticksPerSecond;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const sizes = arg('--rows', '1000000,10000000')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  const total = sizes[sizes.length - 1]!;
  const dir = mkdtempSync(join(arg('--dir', tmpdir()), 'pt-bench-store-'));
  const endUs = Date.now() * 1000;
  const synth = (): SyntheticHost => new SyntheticHost({ processes: 3000, remotes: 50_000, startUs: endUs - 7 * DAY_US, spanUs: 7 * DAY_US, total, seed: 42 });
  const out: Record<string, unknown>[] = [];
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  try {
    // Generating the records alone, so the sink figures can be read net of it.
    if (arg('--baselines', 'yes') !== 'no') {
      const host = synth();
      const n = Math.min(total, 1_000_000);
      const t0 = performance.now();
      let sink = 0;
      for (let i = 0; i < n; i++) sink += host.event(i).timeUs & 1;
      const s = (performance.now() - t0) / 1000;
      out.push({ what: 'generating records alone', records: n, perSecond: Math.round(n / s), checksum: sink });
    }
    // Baseline: the same records through the JSON-lines file sink (ECS).
    if (arg('--baselines', 'yes') !== 'no') {
      const host = synth();
      const n = Math.min(total, 1_000_000);
      const path = join(dir, 'baseline.jsonl');
      const file = createFileSink({ path, ...fileFormat(), logger: silentLogger });
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i += CHUNK) {
        for (let j = i; j < Math.min(n, i + CHUNK); j++) file.write(host.event(j));
        await tick();
      }
      await file.flush();
      await file.close();
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      out.push({
        what: 'file sink (JSON lines, ECS), baseline',
        records: n,
        perSecond: Math.round(n / s),
        perCpuSecond: Math.round(n / ((cpu.user + cpu.system) / 1e6)),
        bytesPerRecord: Math.round(statSync(path).size / n),
      });
      rmSync(path);
    }
    const host = synth();
    const path = join(dir, 'bench.db');
    const store = createStoreSink({ path, retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, host: ENV.host });
    let written = 0;
    const added = (size: number): number => size - (sizes.indexOf(size) === 0 ? 0 : sizes[sizes.indexOf(size) - 1]!);
    let insertMs = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const threads0 = threadTicks();
      // How long the sensor's event loop is held: by the bench's own record generation (one
      // chunk between ticks) and by whatever the sink does on this thread.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      for (; written < size; ) {
        const upto = Math.min(size, written + CHUNK);
        for (; written < upto; written++) store.write(host.event(written));
        await tick();
        // Generating is faster than committing: hold back while the sink holds several batches,
        // as a sensor's bounded queue would, so the figure is the store's pace and nothing drops.
        for (let st = store.stats(); written - st.written - st.dropped > 4 * CHUNK; st = store.stats()) await sleep(2);
      }
      await store.flush();
      loop.disable();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const writerSeconds = writerThreadSeconds(threads0, threadTicks(), ticksPerSecond);
      insertMs += ms;
      const st = store.stats();
      const db = openStoreReadOnly(path);
      const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
      const bytes = pages * (db.pragma('page_size', { simple: true }) as number);
      out.push({
        what: `store sink, inserting up to ${size} connections`,
        records: size,
        perSecond: Math.round(added(size) / (ms / 1000)),
        // The machine may be shared: records per second of this process's own CPU time too.
        perCpuSecond: Math.round(added(size) / ((cpu.user + cpu.system) / 1e6)),
        // The writer thread alone: what the store itself can take, net of generating the records.
        perWriterCpuSecond: Math.round(added(size) / writerSeconds),
        eventLoopMaxMs: Number((loop.max / 1e6).toFixed(1)),
        eventLoopP99Ms: Number((loop.percentile(99) / 1e6).toFixed(1)),
        dropped: st.dropped,
        errors: st.errors,
        bytesPerConnection: Math.round(bytes / size),
        rollupRows: db.prepare('SELECT count(*) FROM rollup').pluck().get(),
      });
      const popular = host.remoteIps[0]!;
      const tail = host.remoteIps[40_000]!;
      const lastDay = { sinceUs: endUs - DAY_US, untilUs: endUs + 1 };
      const week = { sinceUs: endUs - 7 * DAY_US };
      const range = (t: string) => parseAddressRange(t) as Exclude<ReturnType<typeof parseAddressRange>, string>;
      const queries: Array<[string, () => number]> = [
        [`by remote ${popular} (most frequent), newest 1000`, () => [...searchConnections(db, { remote: range(popular) }, { limit: 1000 })].length],
        [`by remote ${tail} (tail), all`, () => [...searchConnections(db, { remote: range(tail) })].length],
        ['by process curl, newest 1000', () => [...searchConnections(db, { processGlob: 'curl' }, { limit: 1000 })].length],
        ['by process ssh* and user bob, newest 1000', () => [...searchConnections(db, { processGlob: 'ssh*', user: 'bob' }, { limit: 1000 })].length],
        ['by CIDR 10.0.0.0/8 over the last day, newest 1000', () => [...searchConnections(db, { ...lastDay, remote: range('10.0.0.0/8') }, { limit: 1000 })].length],
        ['by CIDR 10.20.0.0/16 over the last day, all', () => [...searchConnections(db, { ...lastDay, remote: range('10.20.0.0/16') })].length],
        ['by CIDR 2001:db8:10::/48, all', () => [...searchConnections(db, { remote: range('2001:db8:10::/48') })].length],
        ['count-by remote over the last week (--since 7d)', () => countBy(db, 'remote', week as ConnectionFilter).length],
        // Three days: its first day is cut inside the data, so keys straddling the bound read connections.
        ['count-by remote over the last 3 days (--since 3d)', () => countBy(db, 'remote', { sinceUs: endUs - 3 * DAY_US }).length],
        ['count-by exe over the last week (--since 7d)', () => countBy(db, 'exe', week as ConnectionFilter).length],
        ['count-by port, direction egress, over the last week', () => countBy(db, 'port', { ...week, direction: 'egress' }).length],
      ];
      // `--queries no` measures the inserts alone, for quick comparisons of the writing path.
      for (const [name, run] of arg('--queries', 'yes') === 'no' ? [] : queries) {
        const times: number[] = [];
        let rows = 0;
        for (let k = 0; k < 5; k++) {
          const q0 = performance.now();
          rows = run();
          times.push(performance.now() - q0);
        }
        out.push({ what: `query over ${size}: ${name}`, rows, medianMs: Number(median(times).toFixed(1)), firstMs: Number(times[0]!.toFixed(1)) });
      }
      db.close();
      for (const row of out.splice(0)) console.log(JSON.stringify(row));
    }
    await store.close();
    console.log(JSON.stringify({ what: 'store sink overall', records: total, perSecond: Math.round(total / (insertMs / 1000)), fileBytes: statSync(path).size }));
  } finally {
    for (const row of out) console.log(JSON.stringify(row));
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();

function fileFormat() {
  const f = createRecordFormatter('ecs', ENV);
  return { format: f.line, encode: f.encode };
}
