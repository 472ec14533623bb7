// `packettrail service status`: whether the unit is installed and running, and the last stats
// line the sensor logged (every stats.interval, to the journal under systemd).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SERVICE_NAME, type ServicePaths, systemdRuns } from './install';

export interface StatsSummary {
  readonly time: string;
  readonly capture: string;
  readonly recorded: number;
  readonly lost: number;
  readonly rssMiB: number;
}

interface StatsLine {
  msg?: string;
  time?: number;
  capture?: string;
  pipeline?: { recorded?: number; lost?: number };
  source?: { lost?: number };
  memory?: { rss?: number };
}

/** The newest `stats` record among the sensor's JSON log lines, or null. */
export function lastStats(logText: string): StatsSummary | null {
  const lines = logText.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"msg":"stats"')) continue;
    let rec: StatsLine;
    try {
      rec = JSON.parse(line.slice(line.indexOf('{'))) as StatsLine;
    } catch {
      continue;
    }
    if (rec.msg !== 'stats') continue;
    return {
      time: new Date(rec.time ?? 0).toISOString(),
      capture: rec.capture ?? '?',
      recorded: rec.pipeline?.recorded ?? 0,
      lost: (rec.pipeline?.lost ?? 0) + (rec.source?.lost ?? 0),
      rssMiB: rec.memory?.rss ?? 0,
    };
  }
  return null;
}

function systemctlValue(property: string): string {
  const r = spawnSync('systemctl', ['show', '-p', property, '--value', SERVICE_NAME], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

export function serviceStatus(paths: ServicePaths): string[] {
  const out = [`unit: ${existsSync(paths.unitFile) ? paths.unitFile : 'not installed'}`];
  if (!systemdRuns()) {
    out.push('running: unknown (systemd is not running here)');
    return out;
  }
  const active = systemctlValue('ActiveState');
  const pid = systemctlValue('MainPID');
  out.push(`running: ${active === 'active' ? `yes (pid ${pid})` : `no (${active || 'unknown'})`}`);
  const journal = spawnSync('journalctl', ['-u', SERVICE_NAME, '-o', 'cat', '-n', '2000', '--no-pager'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const stats = lastStats(journal.stdout ?? '');
  out.push(
    stats ? `last stats: ${stats.time} capture=${stats.capture} recorded=${stats.recorded} lost=${stats.lost} rss=${stats.rssMiB} MiB` : 'last stats: none in the journal yet',
  );
  return out;
}
