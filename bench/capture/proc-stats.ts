// CPU time and peak memory of a running process, read from /proc.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime+stime from /proc/PID/stat (fields 14, 15), in ns; includes threads that have exited; 10 ms steps. */
function parseStatCpuNs(stat: string, tck: number): number | Error {
  const close = stat.lastIndexOf(')'); // comm may contain spaces and parentheses
  if (close < 0) return new Error('stat: no comm');
  const f = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 (state); utime is field 14, stime field 15.
  if (f.length < 13) return new Error('stat: too few fields');
  const ut = Number(f[11]),
    st = Number(f[12]);
  if (!Number.isFinite(ut) || !Number.isFinite(st)) return new Error('stat: bad utime/stime');
  return ((ut + st) * 1e9) / tck;
}

/** Sum of the first schedstat field (ns on CPU) over live threads: exact, but forgets exited threads. */
function schedstatCpuNs(pid: number): number | undefined {
  let total = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) || 0;
      } catch {
        // thread exited between readdir and read
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

export interface CpuSample {
  /** utime+stime, ns; counts exited threads; 1-tick steps. */
  statNs: number;
  /** Sum over live threads of schedstat run time, ns; undefined when unreadable. */
  schedNs?: number | undefined;
  tickNs: number;
  wallNs: bigint;
}

export function sampleCpu(pid: number): CpuSample | Error {
  const wallNs = process.hrtime.bigint();
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    return new Error(`process ${pid} is gone: ${(e as Error).message}`);
  }
  const tck = ticksPerSecond();
  const statNs = parseStatCpuNs(stat, tck);
  if (statNs instanceof Error) return statNs;
  return { statNs, schedNs: schedstatCpuNs(pid), tickNs: 1e9 / tck, wallNs };
}

/**
 * CPU used between two samples. schedstat has ns precision, but forgets threads that exited in
 * between; stat keeps them but moves in 10 ms ticks. Use schedstat unless stat grew by more than
 * two ticks beyond it, which means threads died and schedstat under-counts.
 */
export function cpuDelta(a: CpuSample, b: CpuSample): { ns: number; wallNs: number; method: 'schedstat' | 'stat' } {
  const wallNs = Number(b.wallNs - a.wallNs);
  const statD = b.statNs - a.statNs;
  if (a.schedNs !== undefined && b.schedNs !== undefined) {
    const schedD = b.schedNs - a.schedNs;
    if (schedD >= 0 && statD <= schedD + 2 * a.tickNs) return { ns: schedD, wallNs, method: 'schedstat' };
  }
  return { ns: statD, wallNs, method: 'stat' };
}

export interface MemSample {
  /** Peak resident set (VmHWM), bytes. */
  hwmBytes: number;
  rssBytes: number;
}

function parseStatusMem(status: string): MemSample | Error {
  const kb = (k: string): number | undefined => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const hwm = kb('VmHWM'),
    rss = kb('VmRSS');
  if (hwm === undefined || rss === undefined) return new Error('status: no VmHWM/VmRSS');
  return { hwmBytes: hwm, rssBytes: rss };
}

export function sampleMem(pid: number): MemSample | Error {
  try {
    return parseStatusMem(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch (e) {
    return new Error(`process ${pid} is gone: ${(e as Error).message}`);
  }
}
