// `packettrail doctor`: every capture tier, whether it works on this machine, and why not.
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import type { ProbeResult } from './probe';

export interface DoctorRow extends ProbeResult {
  readonly tier: string;
}

export interface DoctorDeps {
  probeEbpf?: () => ProbeResult | Promise<ProbeResult>;
  probeTracefs?: () => ProbeResult | Promise<ProbeResult>;
}

function findInPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin:/usr/sbin:/sbin').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function probePoll(): ProbeResult {
  if (process.platform !== 'linux') return { works: false, reason: 'reads /proc and netlink: Linux only' };
  try {
    fs.accessSync('/proc/net/tcp', fs.constants.R_OK);
  } catch (err) {
    return { works: false, reason: `cannot read /proc/net/tcp: ${errorMessage(err)}` };
  }
  if (process.getuid?.() !== 0) {
    return { works: true, reason: "works without root, but owners of other users' sockets stay unknown; misses short connections" };
  }
  return { works: true, reason: 'works (polling: misses connections shorter than the interval)' };
}

async function safe(tier: string, probe: () => ProbeResult | Promise<ProbeResult>): Promise<DoctorRow> {
  try {
    const r = await probe();
    return { tier, works: r.works, reason: r.reason };
  } catch (err) {
    return { tier, works: false, reason: `check failed: ${errorMessage(err)}` };
  }
}

export async function doctorReport(deps: DoctorDeps = {}): Promise<DoctorRow[]> {
  const linux = process.platform === 'linux';
  const ebpf = deps.probeEbpf ?? (async () => (await import('./ebpf')).probeEbpf());
  const tracefs = deps.probeTracefs ?? (async () => (await import('./tracefs')).probeTracefs());
  const lsof = findInPath('lsof');
  return [
    linux ? await safe('ebpf', ebpf) : { tier: 'ebpf', works: false, reason: 'not this OS (Linux only)' },
    linux ? await safe('tracefs', tracefs) : { tier: 'tracefs', works: false, reason: 'not this OS (Linux only)' },
    await safe('poll', probePoll),
    { tier: 'lsof', works: false, reason: `not implemented yet (${lsof ? `lsof found at ${lsof}` : 'lsof not installed'})` },
    {
      tier: 'windows',
      works: false,
      reason: process.platform === 'win32' ? 'not implemented yet' : 'not this OS (Windows only)',
    },
  ];
}

export function renderDoctor(rows: DoctorRow[]): string {
  const width = Math.max(4, ...rows.map((r) => r.tier.length));
  const lines = [`${'tier'.padEnd(width)}  works  reason`];
  for (const r of rows) lines.push(`${r.tier.padEnd(width)}  ${(r.works ? 'yes' : 'no').padEnd(5)}  ${r.reason}`);
  const best = rows.find((r) => r.works && ['ebpf', 'tracefs', 'poll'].includes(r.tier));
  lines.push(best ? `--source auto would use: ${best.tier}` : '--source auto: no tier works here');
  return `${lines.join('\n')}\n`;
}
