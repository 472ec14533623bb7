// `packettrail query` output: an aligned table sized to the terminal (the last column is cut
// to fit), CSV (RFC 4180 quoting) or, for --json, the ECS lines the sinks write. Names and
// paths are attacker-chosen: table cells escape control characters so a record is one line.
import type { ConnectionEnd, ConnectionEvent, Endpoint } from '../../core/connection-event';
import type { CountRow, CountByField } from '../../sinks/store';
import { escapeCell } from './snapshot-table';

const EVENT_HEADER = ['Time (UTC)', 'Dir', 'Proto', 'Action', 'Local', 'Remote', 'PID', 'User', 'Process', 'Exe'];
const COUNT_HEADER = (field: string) => [field, 'Count', 'Exes', 'Remotes', 'First (UTC)', 'Last (UTC)'];

function time(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

function endpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function user(ev: ConnectionEvent): string {
  const p = ev.process;
  return p?.userName ?? (p?.uid !== undefined ? String(p.uid) : '-');
}

export function eventCells(ev: ConnectionEvent): string[] {
  const p = ev.process;
  return [
    time(ev.timeUs),
    ev.direction === 'egress' ? 'out' : 'in',
    ev.transport,
    ev.end ? `${ev.action} ${endSummary(ev.end)}` : ev.action,
    endpoint(ev.local),
    endpoint(ev.remote),
    p ? String(p.pid) : '-',
    user(ev),
    p?.name || '-',
    p?.executable ?? '-',
  ];
}

/** A close's duration and bytes each way from this host's side, e.g. `2.50s out=1000B in=52B`. */
function endSummary(end: ConnectionEnd): string {
  const parts = [`${(end.durationNs / 1e9).toFixed(2)}s`];
  if (end.bytesOut !== undefined) parts.push(`out=${end.bytesOut}B`);
  if (end.bytesIn !== undefined) parts.push(`in=${end.bytesIn}B`);
  if (end.bytesOut === undefined && end.packetsOut !== undefined) parts.push(`out=${end.packetsOut}pkt`);
  if (end.bytesIn === undefined && end.packetsIn !== undefined) parts.push(`in=${end.packetsIn}pkt`);
  return parts.join(' ');
}

export function countCells(row: CountRow): string[] {
  return [row.value, String(row.count), String(row.executables), String(row.remotes), time(row.firstUs), time(row.lastUs)];
}

/** Aligned columns, header first, each line at most `width` characters (the last column is cut). */
export function renderTable(header: readonly string[], rows: readonly string[][], width: number): string {
  const all = [header, ...rows.map((r) => r.map(escapeCell))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  const lines = all.map((r) => {
    const line = r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
    return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
  });
  return `${lines.join('\n')}\n`;
}

export function renderEventTable(events: readonly ConnectionEvent[], width: number): string {
  return renderTable(EVENT_HEADER, events.map(eventCells), width);
}

export function renderCountTable(field: CountByField, rows: readonly CountRow[], width: number): string {
  return renderTable(COUNT_HEADER(field), rows.map(countCells), width);
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180). */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvField).join(',');
}

export const CSV_EVENT_HEADER = ['time', 'direction', 'transport', 'action', 'local', 'remote', 'pid', 'user', 'process', 'executable'];
export const csvCountHeader = (field: string) => [field, 'count', 'executables', 'remotes', 'first', 'last'];

/** A count-by row as one JSON line. */
export function countJson(field: CountByField, row: CountRow): string {
  return JSON.stringify({
    [field]: row.value,
    count: row.count,
    executables: row.executables,
    remotes: row.remotes,
    first: new Date(Math.floor(row.firstUs / 1000)).toISOString(),
    last: new Date(Math.floor(row.lastUs / 1000)).toISOString(),
  });
}
