// What the DNS answer tap costs: the same loads run with the tap attached and without, in
// alternation, and the kernel's own accounting of the tap's programs (kernel.bpf_stats_enabled).
//   - a DNS load: lookups against a local dnsmasq, as fast as 16 in flight go;
//   - a bulk load: a loopback TCP transfer, packets that are not DNS, which the ingress hook
//     still sees (it runs for every packet a local socket receives).
// Reported: the load's own CPU with and without the tap, the kernel time per program run, and
// the sensor-side (drain + dns-packet parse) CPU per answer.
// Usage: node dist/bench/dns/main.js [--queries 20000] [--mib 512] [--rounds 3]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DnsTap } from '../../src/capture/ebpf/dns-tap';
import { loadLibbpf } from '../../src/capture/ebpf/libbpf';
import { defaultBpfObjectPath } from '../../src/capture/ebpf/object-path';
import { silentLogger } from '../../src/core/context';
import { startDnsmasq } from '../../test/helpers/dnsmasq';
import { repoRoot } from '../capture/repo-root';

const BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';
const NAMES = 1000;
const TAP_PROGRAMS = ['pt_dns_ingress', 'pt_dns_connect4', 'pt_dns_sendmsg4'];

interface LoadResult {
  wallMs: number;
  cpuUs: number;
}

interface ProgStats {
  runs: number;
  ns: number;
}

function runLoad(args: string[]): Promise<LoadResult> {
  const child = spawn(process.execPath, [path.join(__dirname, 'load-child.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load exited with ${code}`)))));
}

/** run_cnt and run_time_ns of the tap's programs, by name (bpftool reads the kernel's counters). */
function progStats(): Map<string, ProgStats> {
  const all = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { name?: string; run_cnt?: number; run_time_ns?: number }[];
  const out = new Map<string, ProgStats>();
  for (const p of all) if (p.name && TAP_PROGRAMS.includes(p.name)) out.set(p.name, { runs: p.run_cnt ?? 0, ns: p.run_time_ns ?? 0 });
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { queries: { type: 'string', default: '20000' }, mib: { type: 'string', default: '512' }, rounds: { type: 'string', default: '3' } } });
  const queries = Number(values.queries);
  const mib = Number(values.mib);
  const rounds = Number(values.rounds);
  execFileSync('bash', [path.join(repoRoot(), 'scripts/build-bpf.sh')], { stdio: 'inherit' });
  const statsBefore = fs.readFileSync(BPF_STATS, 'utf8').trim();
  fs.writeFileSync(BPF_STATS, '1');
  const zone = new Map(Array.from({ length: NAMES }, (_, i) => [`n${i}.bench.test`, `127.0.3.${(i % 250) + 1}`] as const));
  const dnsmasq = await startDnsmasq(zone);
  const lib = loadLibbpf();
  const cpu = { dns: { with: [] as number[], without: [] as number[] }, bulk: { with: [] as number[], without: [] as number[] } };
  const kernel = { dns: new Map<string, ProgStats>(), bulk: new Map<string, ProgStats>() };
  let answers = 0;
  let parseUs = 0;
  let lost = 0;
  const add = (into: Map<string, ProgStats>, a: Map<string, ProgStats>, b: Map<string, ProgStats>): void => {
    for (const [name, s] of b) {
      const was = a.get(name) ?? { runs: 0, ns: 0 };
      const acc = into.get(name) ?? { runs: 0, ns: 0 };
      into.set(name, { runs: acc.runs + s.runs - was.runs, ns: acc.ns + s.ns - was.ns });
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const tapOn of round % 2 === 0 ? [false, true] : [true, false]) {
        const tap = tapOn ? DnsTap.open(lib, { objectPath: defaultBpfObjectPath('dns.bpf.o'), extraPorts: [dnsmasq.port], clockOffsetUs: 0, logger: silentLogger }) : undefined;
        // The sensor drains every 250 ms; so does the bench, and times what the drain costs.
        const drain = (): void => {
          const c0 = process.cpuUsage();
          tap?.drain(() => answers++);
          const c = process.cpuUsage(c0);
          parseUs += c.user + c.system;
        };
        const timer = tap ? setInterval(drain, 250) : undefined;
        try {
          for (const kind of ['dns', 'bulk'] as const) {
            const s0 = progStats();
            const r = await runLoad(kind === 'dns' ? ['dns', String(dnsmasq.port), String(queries), String(NAMES)] : ['bulk', String(mib)]);
            if (tap) add(kernel[kind], s0, progStats());
            cpu[kind][tapOn ? 'with' : 'without'].push(r.cpuUs);
          }
        } finally {
          if (timer) clearInterval(timer);
          drain();
          lost += tap?.stats().lost ?? 0;
          tap?.close();
        }
      }
    }
  } finally {
    await dnsmasq.stop();
    fs.writeFileSync(BPF_STATS, statsBefore);
  }
  const lines: string[] = [];
  lines.push(`DNS tap cost, ${rounds} rounds, medians (load CPU is the load process's own user+sys, which includes the softirq work of its packets)`);
  lines.push(`  dns load, ${queries} lookups: ${(median(cpu.dns.without) / 1000).toFixed(0)} ms CPU without the tap, ${(median(cpu.dns.with) / 1000).toFixed(0)} ms with`);
  lines.push(
    `  bulk load, ${mib} MiB over loopback TCP: ${(median(cpu.bulk.without) / 1000).toFixed(0)} ms CPU without the tap, ${(median(cpu.bulk.with) / 1000).toFixed(0)} ms with`,
  );
  for (const kind of ['dns', 'bulk'] as const) {
    for (const [name, s] of kernel[kind]) {
      if (s.runs === 0) continue;
      lines.push(`  ${kind} load, ${name}: ${s.runs} runs, ${(s.ns / s.runs).toFixed(0)} ns per run, ${(s.ns / 1e6).toFixed(1)} ms in all`);
    }
  }
  lines.push(`  sensor side: ${answers} answers drained and parsed, ${lost} lost (ring full), ${answers ? (parseUs / answers).toFixed(1) : '-'} µs CPU per answer`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dns: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
