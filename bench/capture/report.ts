// The results table and the verdicts against the capture targets (issue 3, item 7).
import type { CellResult } from './cell';

export const TARGETS = {
  completeAt5000Pct: 99.9,
  stretchCompleteAt10000Pct: 100,
  cpuMsPer1000: 20,
  stretchCpuMsPer1000: 15,
  peakRssMB: 150,
  /** Of the complete records of a kernel tier with hashing on, those carrying process.hash.sha256. */
  hashedPct: 99,
  /** CPU per connection is judged only where the load is large enough to dwarf the idle noise. */
  cpuJudgedFromRate: 1000,
} as const;

export const TARGET_TEXT = [
  `ebpf completeness (right pid AND executable) >= ${TARGETS.completeAt5000Pct}% at 5,000 connections/s (stretch: ${TARGETS.stretchCompleteAt10000Pct}% at 10,000/s)`,
  `sensor CPU <= ${TARGETS.cpuMsPer1000} ms per 1,000 connections (stretch <= ${TARGETS.stretchCpuMsPer1000}), judged on cells at >= ${TARGETS.cpuJudgedFromRate}/s`,
  `sensor peak RSS (VmHWM) <= ${TARGETS.peakRssMB} MB`,
  `ebpf records carrying process.hash.sha256 >= ${TARGETS.hashedPct}% (cells with hashing on)`,
  'poll is measured alongside so the gap to kernel-event capture is visible (no target)',
];

export interface Verdict {
  target: string;
  tier: string;
  pass: boolean | null;
  detail: string;
}

const fmt = (n: number | undefined, d = 1): string => (n === undefined ? '-' : n.toFixed(d));

function rateNote(c: CellResult): string {
  const a = c.loadgen?.achievedRate ?? 0;
  return c.requestedRate > 0 && a < c.requestedRate * 0.9 ? ` (rate not reached: ${Math.round(a)}/s achieved)` : '';
}

export function verdicts(cells: readonly CellResult[]): Verdict[] {
  const out: Verdict[] = [];
  const tiers = [...new Set(cells.map((c) => c.tier))];
  for (const tier of tiers) {
    const mine = cells.filter((c) => c.tier === tier);
    const okCells = mine.filter((c) => c.status === 'ok' && c.join);
    if (okCells.length === 0) {
      out.push({ target: 'runs', tier, pass: false, detail: mine[0]?.reason ?? 'no cell ran' });
      continue;
    }
    if (tier === 'ebpf') {
      for (const [rate, want, name] of [
        [5000, TARGETS.completeAt5000Pct, 'complete@5000'],
        [10000, TARGETS.stretchCompleteAt10000Pct, 'stretch complete@10000'],
      ] as const) {
        const at = mine.filter((c) => c.requestedRate === rate);
        if (at.length === 0) continue;
        const pass = at.every((c) => c.status === 'ok' && (c.completePct ?? 0) >= want);
        out.push({ target: name, tier, pass, detail: at.map((c) => `${c.mode} ${fmt(c.completePct, 3)}%${rateNote(c)}`).join('; ') });
      }
    }
    const hashCells = okCells.filter((c) => c.hash && tier === 'ebpf');
    if (hashCells.length > 0) {
      const worst = Math.min(...hashCells.map((c) => c.hashedPct ?? 0));
      out.push({ target: `hashed>=${TARGETS.hashedPct}%`, tier, pass: worst >= TARGETS.hashedPct, detail: `worst ${fmt(worst, 3)}%` });
    }
    const cpuCells = okCells.filter((c) => c.cpu && (c.requestedRate === 0 || c.requestedRate >= TARGETS.cpuJudgedFromRate));
    if (cpuCells.length > 0) {
      const worst = Math.max(...cpuCells.map((c) => c.cpu!.msPer1000));
      out.push({ target: `cpu<=${TARGETS.cpuMsPer1000}ms/1k`, tier, pass: worst <= TARGETS.cpuMsPer1000, detail: `worst ${fmt(worst, 2)} ms/1k` });
      out.push({ target: `stretch cpu<=${TARGETS.stretchCpuMsPer1000}ms/1k`, tier, pass: worst <= TARGETS.stretchCpuMsPer1000, detail: `worst ${fmt(worst, 2)} ms/1k` });
    }
    const rss = okCells.filter((c) => c.peakRssMB !== undefined).map((c) => c.peakRssMB!);
    if (rss.length > 0) {
      const peak = Math.max(...rss);
      out.push({ target: `rss<=${TARGETS.peakRssMB}MB`, tier, pass: peak <= TARGETS.peakRssMB, detail: `peak ${fmt(peak)} MB` });
    }
  }
  return out;
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

export function renderTable(cells: readonly CellResult[]): string {
  const head = [
    'tier',
    'run',
    'mode',
    'hash',
    'rate',
    'achieved',
    'truth',
    'complete%',
    'seen%',
    'hashed%',
    'wrongPid',
    'wrongExe',
    'noProc',
    'cpu ms/1k',
    'cold ms/1k',
    'idle ms/s',
    'rss MB',
    'status',
  ];
  const rows = cells.map((c) => [
    c.tier,
    String(c.run ?? 1),
    c.mode,
    c.hash ? 'on' : 'off',
    c.requestedRate === 0 ? 'max' : String(c.requestedRate),
    fmt(c.loadgen?.achievedRate, 0),
    String(c.join?.truth ?? '-'),
    fmt(c.completePct, 3),
    fmt(c.seenPct, 3),
    c.hash ? fmt(c.hashedPct, 3) : '-',
    String(c.join?.wrongPid ?? '-'),
    String(c.join?.wrongExecutable ?? '-'),
    String(c.join?.noProcess ?? '-'),
    fmt(c.cpu?.msPer1000, 2),
    fmt(c.cpu?.warmupMsPer1000, 2),
    fmt(c.cpu?.idleMsPerSecond, 2),
    fmt(c.peakRssMB),
    c.status === 'ok' ? (c.reason ? `ok, ${c.reason}` : 'ok') : `${c.status}: ${c.reason ?? ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]): string => r.map((v, i) => pad(v, Math.min(widths[i] ?? 0, 60), i >= 4 && i < 17)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(Math.min(w, 60)))), ...rows.map(line)].map((l) => l.trimEnd()).join('\n');
}

export function renderVerdicts(vs: readonly Verdict[]): string {
  return vs.map((v) => `${v.pass === null ? 'n/a ' : v.pass ? 'PASS' : 'FAIL'}  ${v.tier.padEnd(8)} ${v.target.padEnd(26)} ${v.detail}`).join('\n');
}

export interface MedianRow {
  tier: string;
  mode: string;
  rate: string;
  runs: number;
  /** Median CPU ms per 1,000 connections; in exec mode each connection is one exec of a fresh program, so also per 1,000 execs. */
  medianMsPer1000: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The median CPU figure of each tier, mode and rate over its runs (cells with a CPU figure). */
export function medians(cells: readonly CellResult[]): MedianRow[] {
  const groups = new Map<string, { tier: string; mode: string; rate: string; xs: number[] }>();
  for (const c of cells) {
    if (c.status !== 'ok' || !c.cpu) continue;
    const rate = c.requestedRate === 0 ? 'max' : String(c.requestedRate);
    const key = `${c.tier}/${c.mode}/${rate}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tier: c.tier, mode: c.mode, rate, xs: [] }));
    g.xs.push(c.cpu.msPer1000);
  }
  return [...groups.values()].map((g) => ({ tier: g.tier, mode: g.mode, rate: g.rate, runs: g.xs.length, medianMsPer1000: Math.round(median(g.xs) * 100) / 100 }));
}

export function renderMedians(cells: readonly CellResult[]): string {
  const rows = medians(cells);
  const head = 'median CPU over runs (fork: ms per 1,000 connections; exec: ms per 1,000 execs, each with its connection)';
  return [head, ...rows.map((r) => `  ${r.tier.padEnd(12)} ${r.mode.padEnd(5)} ${r.rate.padStart(6)}/s  ${fmt(r.medianMsPer1000, 2).padStart(8)} ms/1k  (${r.runs} runs)`)].join(
    '\n',
  );
}
