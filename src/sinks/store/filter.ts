// A query's filters as SQL over the connection table `c` (or the rollup `r`), with the
// parameters in order. Process filters become an IN over the process table, so the planner
// can walk the connection_process index; remote filters are blob ranges on connection_remote.
import type { ConnectionAction, Direction, Transport } from '../../core/connection-event';
import { ACTIONS, DIRECTIONS, TRANSPORTS, codeOf } from './codes';
import type { BlobRange } from './ip-blob';
import type { StoreDb } from './open';

export interface ConnectionFilter {
  readonly sinceUs?: number;
  /** Exclusive. */
  readonly untilUs?: number;
  /** Glob over the process name (SQLite GLOB: * ? [..], case-sensitive). */
  readonly processGlob?: string;
  readonly exeGlob?: string;
  readonly pid?: number;
  /** A user name, or a uid when all digits. */
  readonly user?: string;
  readonly remote?: BlobRange;
  readonly port?: number;
  readonly localPort?: number;
  readonly direction?: Direction;
  readonly transport?: Transport;
  readonly action?: ConnectionAction;
}

export interface Sql {
  readonly where: string[];
  readonly params: unknown[];
}

/** Conditions on the program `g` that a filter names (name, executable, user). */
function programConditions(f: ConnectionFilter, out: Sql): void {
  if (f.processGlob !== undefined) {
    out.where.push('g.name GLOB ?');
    out.params.push(f.processGlob);
  }
  if (f.exeGlob !== undefined) {
    out.where.push('g.executable GLOB ?');
    out.params.push(f.exeGlob);
  }
  if (f.user !== undefined) {
    if (/^\d+$/.test(f.user)) {
      out.where.push('(g.uid = ? OR g.user_name = ?)');
      out.params.push(Number(f.user), f.user);
    } else {
      out.where.push('g.user_name = ?');
      out.params.push(f.user);
    }
  }
}

function endpointConditions(f: ConnectionFilter, alias: string, out: Sql): void {
  if (f.remote) {
    if (f.remote.lo.equals(f.remote.hi)) {
      out.where.push(`${alias}.remote_ip = ?`);
      out.params.push(f.remote.lo);
    } else {
      out.where.push(`${alias}.remote_ip BETWEEN ? AND ?`);
      out.params.push(f.remote.lo, f.remote.hi);
    }
  }
  if (f.port !== undefined) {
    out.where.push(`${alias}.remote_port = ?`);
    out.params.push(f.port);
  }
  if (f.direction) {
    out.where.push(`${alias}.direction = ?`);
    out.params.push(codeOf(DIRECTIONS, f.direction));
  }
  if (f.transport) {
    out.where.push(`${alias}.transport = ?`);
    out.params.push(codeOf(TRANSPORTS, f.transport));
  }
  if (f.action) {
    out.where.push(`${alias}.action = ?`);
    out.params.push(codeOf(ACTIONS, f.action));
  }
}

/** True when the filter names processes (by name, executable, user or pid). */
export function hasProcessConditions(f: ConnectionFilter): boolean {
  return f.processGlob !== undefined || f.exeGlob !== undefined || f.user !== undefined || f.pid !== undefined;
}

/** The ids of the stored processes the filter's process conditions match. */
export function matchingProcessIds(db: StoreDb, f: ConnectionFilter): number[] {
  const proc: Sql = { where: [], params: [] };
  processConditions(f, proc);
  return db
    .prepare(`SELECT p.id FROM process p JOIN program g ON g.id = p.program_id ${whereText(proc)}`)
    .pluck()
    .all(...proc.params) as number[];
}

function processConditions(f: ConnectionFilter, out: Sql): void {
  programConditions(f, out);
  if (f.pid !== undefined) {
    out.where.push('p.pid = ?');
    out.params.push(f.pid);
  }
}

/**
 * The filter over raw connections `c`, for times in [sinceUs, untilUs). With `processIds`, the
 * process conditions are that list (already resolved) instead of a subquery.
 */
export function connectionWhere(f: ConnectionFilter, sinceUs = f.sinceUs, untilUs = f.untilUs, processIds?: readonly number[]): Sql {
  const out: Sql = { where: [], params: [] };
  if (sinceUs !== undefined) {
    out.where.push('c.time_us >= ?');
    out.params.push(sinceUs);
  }
  if (untilUs !== undefined) {
    out.where.push('c.time_us < ?');
    out.params.push(untilUs);
  }
  endpointConditions(f, 'c', out);
  if (f.localPort !== undefined) {
    out.where.push('c.local_port = ?');
    out.params.push(f.localPort);
  }
  if (processIds !== undefined) {
    out.where.push('c.process_id IN (SELECT value FROM json_each(?))');
    out.params.push(JSON.stringify(processIds));
    return out;
  }
  const proc: Sql = { where: [], params: [] };
  processConditions(f, proc);
  if (proc.where.length > 0) {
    out.where.push(`c.process_id IN (SELECT p.id FROM process p JOIN program g ON g.id = p.program_id WHERE ${proc.where.join(' AND ')})`);
    out.params.push(...proc.params);
  }
  return out;
}

/**
 * True when the rollup can answer for this filter: it keeps no pid, the remote port of egress
 * connections only and the local port of ingress ones only.
 */
export function rollupCanFilter(f: ConnectionFilter): boolean {
  if (f.pid !== undefined) return false;
  if (f.action === 'connection_closed') return false; // the rollup counts connections, not their closes
  if (f.port !== undefined && f.direction !== 'egress') return false;
  if (f.localPort !== undefined && f.direction !== 'ingress') return false;
  return true;
}

/** The filter over rollup rows `r` joined with their program `g`, for whole days [fromDay, toDay). */
export function rollupWhere(f: ConnectionFilter, fromDay: number | undefined, toDay: number | undefined): Sql {
  const out: Sql = { where: [], params: [] };
  if (fromDay !== undefined) {
    out.where.push('r.day >= ?');
    out.params.push(fromDay);
  }
  if (toDay !== undefined) {
    out.where.push('r.day < ?');
    out.params.push(toDay);
  }
  endpointConditions(f, 'r', out);
  if (f.localPort !== undefined) {
    out.where.push('r.local_port = ?');
    out.params.push(f.localPort);
  }
  programConditions(f, out);
  return out;
}

export function whereText(sql: Sql): string {
  return sql.where.length > 0 ? `WHERE ${sql.where.join(' AND ')}` : '';
}
