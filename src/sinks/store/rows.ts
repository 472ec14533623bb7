// Stored rows back into ConnectionEvents. One ProcessInfo object per stored process in a read:
// formatters cache their rendering per object, and `hunt` compares processes by identity.
import type { Building } from '../../core/building';
import type { ConnectionEvent, ProcessInfo } from '../../core/connection-event';
import { makeParentInfo, makeProcessInfo } from '../../core/process-info';
import { ACTIONS, ATTRIBUTIONS, CAPTURES, DIRECTIONS, OUTCOMES, TRANSPORTS, fromCode } from './codes';
import { blobToIp, isV4Blob } from './ip-blob';

/** The columns every read selects: the connection `c`, its process `p` and program `g`. */
export const EVENT_COLUMNS = `c.id, c.time_us, c.process_id, c.action, c.outcome, c.transport, c.direction, c.capture, c.attribution,
  c.local_ip, c.local_port, c.remote_ip, c.remote_port, c.tid, c.errno, c.preexisting, c.domain,
  c.duration_ns, c.bytes_out, c.bytes_in, c.packets_out, c.packets_in,
  p.entity_id, p.pid, p.command_line, p.args, p.start_ms, p.start_ticks, p.parent_pid, p.parent_name,
  p.parent_executable, p.parent_entity_id, p.container_id, p.exited, p.executable_sha256, p.executable_deleted, g.executable, g.name, g.uid, g.user_name`;

export const EVENT_JOINS = 'LEFT JOIN process p ON p.id = c.process_id LEFT JOIN program g ON g.id = p.program_id';

export interface EventRow {
  id: number;
  time_us: number;
  process_id: number | null;
  action: number;
  outcome: number;
  transport: number;
  direction: number;
  capture: number;
  attribution: number;
  local_ip: Buffer;
  local_port: number;
  remote_ip: Buffer;
  remote_port: number;
  tid: number | null;
  errno: number | null;
  preexisting: number | null;
  domain: string | null;
  duration_ns: number | null;
  bytes_out: number | null;
  bytes_in: number | null;
  packets_out: number | null;
  packets_in: number | null;
  entity_id: string | null;
  pid: number | null;
  command_line: string | null;
  args: string | null;
  start_ms: number | null;
  start_ticks: number | null;
  parent_pid: number | null;
  parent_name: string | null;
  parent_executable: string | null;
  parent_entity_id: string | null;
  container_id: string | null;
  exited: number | null;
  executable_sha256: string | null;
  executable_deleted: number | null;
  executable: string | null;
  name: string | null;
  uid: number | null;
  user_name: string | null;
}

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export class RowReader {
  private readonly processes = new Map<number, ProcessInfo>();

  event(row: EventRow): ConnectionEvent {
    const ev: Building<ConnectionEvent> = {
      timeUs: row.time_us,
      action: fromCode(ACTIONS, row.action, 'connection_attempted'),
      outcome: fromCode(OUTCOMES, row.outcome, 'unknown'),
      transport: fromCode(TRANSPORTS, row.transport, 'tcp'),
      family: isV4Blob(row.remote_ip) ? 'ipv4' : 'ipv6',
      direction: fromCode(DIRECTIONS, row.direction, 'egress'),
      local: { ip: blobToIp(row.local_ip), port: row.local_port },
      remote: { ip: blobToIp(row.remote_ip), port: row.remote_port },
      process: row.process_id === null ? undefined : this.process(row.process_id, row),
      capture: fromCode(CAPTURES, row.capture, 'poll'),
      attribution: fromCode(ATTRIBUTIONS, row.attribution, 'unknown'),
    };
    if (row.tid !== null) ev.tid = row.tid;
    if (row.errno !== null) ev.errno = row.errno;
    if (row.preexisting) ev.preexisting = true;
    if (row.domain !== null) ev.domain = row.domain;
    if (row.duration_ns !== null) {
      ev.end = {
        durationNs: row.duration_ns,
        bytesOut: orUndefined(row.bytes_out),
        bytesIn: orUndefined(row.bytes_in),
        packetsOut: orUndefined(row.packets_out),
        packetsIn: orUndefined(row.packets_in),
      };
    }
    return ev;
  }

  /** The stored process as the record had it; one object per process id. */
  process(id: number, row: Omit<EventRow, 'id'>): ProcessInfo {
    let p = this.processes.get(id);
    if (p === undefined) {
      p = processFromRow(row);
      this.processes.set(id, p);
    }
    return p;
  }
}

function processFromRow(row: Omit<EventRow, 'id'>): ProcessInfo {
  const entity = row.entity_id ?? '';
  return makeProcessInfo({
    pid: row.pid ?? 0,
    name: row.name ?? '',
    executable: row.executable || undefined,
    commandLine: orUndefined(row.command_line),
    args: row.args === null ? undefined : (JSON.parse(row.args) as string[]),
    startMs: orUndefined(row.start_ms),
    startTicks: orUndefined(row.start_ticks),
    // Processes without an entity id are kept under a key of the store's own ('~...').
    entityId: entity && !entity.startsWith('~') ? entity : undefined,
    parent:
      row.parent_pid === null
        ? undefined
        : makeParentInfo({
            pid: row.parent_pid,
            name: orUndefined(row.parent_name),
            executable: orUndefined(row.parent_executable),
            entityId: orUndefined(row.parent_entity_id),
          }),
    uid: row.uid === null || row.uid < 0 ? undefined : row.uid,
    userName: row.user_name || undefined,
    containerId: orUndefined(row.container_id),
    exited: row.exited ? true : undefined,
    sha256: orUndefined(row.executable_sha256),
    executableDeleted: row.executable_deleted ? true : undefined,
  });
}
