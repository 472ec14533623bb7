// The readable form of `snapshot`'s table that the fast renderer is held to: one array of
// cells per socket, widths from all of them, each cell padded.
import type { Endpoint } from '../../../src/core/connection-event';
import type { SnapshotEntry } from '../../../src/capture/snapshot/snapshot';
import { escapeCell } from '../../../src/cli/commands/snapshot-table';

const HEADER = ['Netid', 'State', 'Local', 'Peer', 'PID', 'User', 'Process', 'Exe'];

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

export function renderSnapshotTableOracle(entries: readonly SnapshotEntry[]): string {
  const rows = [HEADER, ...entries.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const last = HEADER.length - 1;
  return `${rows
    .map((r) =>
      r
        .map((c, i) => (i === last ? c : c.padEnd(widths[i]!)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
