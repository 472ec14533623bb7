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

/** The distinct values of a short list, in order, joined with commas. */
function distinct(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return [...new Set(values)].join(',');
}

/** One socket's cells, written into `cells` from `at`. Most sockets have one owner: no Set then. */
function rowInto(e: SnapshotEntry, cells: string[], at: number): void {
  const o = e.owners;
  cells[at] = e.transport;
  cells[at + 1] = e.state;
  cells[at + 2] = endpoint(e.local);
  cells[at + 3] = endpoint(e.remote);
  if (o.length === 0) {
    cells[at + 4] = '-';
    cells[at + 5] = escapeCell(String(e.uid));
    cells[at + 6] = '-';
    cells[at + 7] = '-';
    return;
  }
  const pids: string[] = [];
  const users: string[] = [];
  const names: string[] = [];
  const exes: string[] = [];
  for (const p of o) {
    pids.push(String(p.pid));
    users.push(p.userName ?? (p.uid !== undefined ? String(p.uid) : String(e.uid)));
    names.push(p.name);
    exes.push(p.executable ?? '?');
  }
  cells[at + 4] = pids.join(',');
  cells[at + 5] = escapeCell(distinct(users));
  cells[at + 6] = escapeCell(names.join(',')) || '-';
  cells[at + 7] = escapeCell(distinct(exes)) || '-';
}

/**
 * Aligned columns, one socket per line, header first; ends with a newline. Written as plain
 * loops over one flat array of cells: `snapshot` runs once per process, so this code runs
 * before the JIT has optimised anything, and tens of thousands of sockets are common.
 */
export function renderSnapshotTable(entries: readonly SnapshotEntry[]): string {
  const columns = HEADER.length;
  const cells: string[] = new Array((entries.length + 1) * columns);
  const widths = HEADER.map((h) => h.length);
  for (let i = 0; i < columns; i++) cells[i] = HEADER[i]!;
  for (let r = 0; r < entries.length; r++) {
    const at = (r + 1) * columns;
    rowInto(entries[r]!, cells, at);
    for (let i = 0; i < columns; i++) {
      const n = cells[at + i]!.length;
      if (n > widths[i]!) widths[i] = n;
    }
  }
  const padding = ' '.repeat(Math.max(...widths) + 1);
  const lines: string[] = new Array(entries.length + 1);
  for (let r = 0; r <= entries.length; r++) {
    const at = r * columns;
    let line = '';
    for (let i = 0; i < columns - 1; i++) {
      const c = cells[at + i]!;
      line += c + padding.slice(0, widths[i]! - c.length + 1);
    }
    lines[r] = (line + cells[at + columns - 1]!).trimEnd();
  }
  return `${lines.join('\n')}\n`;
}
