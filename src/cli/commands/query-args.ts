// `packettrail query` flags checked and turned into a store filter. Every bad value is a usage
// error (exit 2) that names its flag and what it expects.
import { usageError } from '../../core/errors';
import { parseDurationMs } from '../../config/duration';
import { COUNT_BY_FIELDS, parseAddressRange, type ConnectionFilter, type CountByField } from '../../sinks/store';
import type { ConnectionAction, Direction, Transport } from '../../core/connection-event';
import { ACTIONS, DIRECTIONS, TRANSPORTS } from '../../sinks/store/codes';

export interface QueryFlags {
  store?: string;
  since?: string;
  until?: string;
  process?: string;
  exe?: string;
  pid?: string;
  user?: string;
  remote?: string;
  port?: string;
  localPort?: string;
  direction?: string;
  transport?: string;
  action?: string;
  json?: boolean;
  csv?: boolean;
  countBy?: string;
  limit?: string;
}

type QueryOutput = 'table' | 'json' | 'csv';

export interface QueryRequest {
  readonly filter: ConnectionFilter;
  readonly output: QueryOutput;
  readonly countBy?: CountByField | undefined;
  /** The newest `limit` records (all when absent). */
  readonly limit?: number | undefined;
}

/** The table shows the newest this many unless --limit says otherwise; --json and --csv print all. */
export const DEFAULT_TABLE_LIMIT = 1000;

/** "2h", "7d" (that long before now) or an ISO 8601 time, as epoch microseconds. */
export function parseTime(flag: string, text: string, nowUs: number): number {
  const age = parseDurationMs(text);
  if (age !== undefined && /[a-z]$/i.test(text.trim())) return nowUs - age * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw usageError(`${flag} ${JSON.stringify(text)}: expected a duration before now (30m, 2h, 7d) or an ISO time (2025-11-26T15:00:00Z)`);
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw usageError(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return Number(text);
}

function oneOf<T extends string>(flag: string, text: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(text)) throw usageError(`${flag} ${JSON.stringify(text)}: expected one of ${values.join(', ')}`);
  return text as T;
}

export function parseQueryFlags(flags: QueryFlags, nowUs: number): QueryRequest {
  if (flags.json && flags.csv) throw usageError('--json and --csv: choose one output');
  const output: QueryOutput = flags.json ? 'json' : flags.csv ? 'csv' : 'table';
  const filter: { -readonly [K in keyof ConnectionFilter]: ConnectionFilter[K] } = {};
  if (flags.since !== undefined) filter.sinceUs = parseTime('--since', flags.since, nowUs);
  if (flags.until !== undefined) filter.untilUs = parseTime('--until', flags.until, nowUs);
  if (filter.sinceUs !== undefined && filter.untilUs !== undefined && filter.sinceUs >= filter.untilUs) {
    throw usageError(`--until ${flags.until}: must be after --since ${flags.since}`);
  }
  if (flags.process !== undefined) filter.processGlob = flags.process;
  if (flags.exe !== undefined) filter.exeGlob = flags.exe;
  if (flags.pid !== undefined) filter.pid = integer('--pid', flags.pid, 0, 2 ** 31 - 1);
  if (flags.user !== undefined) {
    if (flags.user === '') throw usageError('--user: expected a user name or uid');
    filter.user = flags.user;
  }
  if (flags.remote !== undefined) {
    const range = parseAddressRange(flags.remote);
    if (typeof range === 'string') throw usageError(`--remote ${JSON.stringify(flags.remote)}: ${range}`);
    filter.remote = range;
  }
  if (flags.port !== undefined) filter.port = integer('--port', flags.port, 0, 65535);
  if (flags.localPort !== undefined) filter.localPort = integer('--local-port', flags.localPort, 0, 65535);
  if (flags.direction !== undefined) filter.direction = oneOf<Direction>('--direction', flags.direction, DIRECTIONS);
  if (flags.transport !== undefined) filter.transport = oneOf<Transport>('--transport', flags.transport, TRANSPORTS);
  if (flags.action !== undefined) filter.action = oneOf<ConnectionAction>('--action', flags.action, ACTIONS);
  const countBy = flags.countBy === undefined ? undefined : oneOf<CountByField>('--count-by', flags.countBy, COUNT_BY_FIELDS);
  const limit = flags.limit === undefined ? (output === 'table' && !countBy ? DEFAULT_TABLE_LIMIT : undefined) : integer('--limit', flags.limit, 1, Number.MAX_SAFE_INTEGER);
  return { filter, output, countBy, limit };
}
