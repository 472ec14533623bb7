// `packettrail snapshot` as a readable table, like `ss -tunap` with process columns.
// Process names and paths are attacker-chosen: control characters are escaped so one
// socket is always one line.
import type { Endpoint } from '../../core/connection-event';
import type { SnapshotEntry } from '../../capture/snapshot/snapshot';
import { escapeText } from '../../format/escape-text';

const HEADER = ['Netid', 'State', 'Local', 'Peer', 'PID', 'User', 'Process', 'Exe'];

/** Backslash, C0/C1 controls, DEL and line/paragraph separators → \\, \n, \t, \xHH, \uHHHH. */
export function escapeCell(s: string): string {
  if (!/[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(s)) return s;
  return escapeText(s);
}

function endpoint(e: Endpoint): string {
  const port = e.port === 0 ? '*' : String(e.port);
  return e.ip.includes(':') ? `[${e.ip}]:${port}` : `${e.ip}:${port}`;
}

function row(e: SnapshotEntry): string[] {
  const o = e.owners;
  const users = o.length ? o.map((p) => p.userName ?? (p.uid !== undefined ? String(p.uid) : String(e.uid))) : [String(e.uid)];
  return [
    e.transport,
    e.state,
    endpoint(e.local),
    endpoint(e.remote),
    o.map((p) => String(p.pid)).join(',') || '-',
    escapeCell([...new Set(users)].join(',')),
    escapeCell(o.map((p) => p.name).join(',')) || '-',
    escapeCell([...new Set(o.map((p) => p.executable ?? '?'))].join(',')) || '-',
  ];
}

/** Aligned columns, one socket per line, header first; ends with a newline. */
export function renderSnapshotTable(entries: SnapshotEntry[]): string {
  const rows = [HEADER, ...entries.map(row)];
  const widths = HEADER.map(() => 0);
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  const last = HEADER.length - 1;
  return `${rows
    .map((r) =>
      r
        .map((c, i) => (i === last ? c : c.padEnd(widths[i] ?? 0)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
