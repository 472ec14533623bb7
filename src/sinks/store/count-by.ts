// `query --count-by FIELD`: one row per value with its count, first and last time, and how
// many distinct executables and remote addresses it covers. Whole days in the range are read
// from the rollup (one row per distinct key a day instead of every connection); so are the
// days the range cuts when no key of theirs straddles the bound. Cut days with straddling keys,
// and fields or filters the rollup does not keep (pid; the port of an ingress connection's
// peer, the local port of an egress one), read raw connections.
import { blobToIp } from './ip-blob';
import { ACTIONS, DIRECTIONS, TRANSPORTS, codeOf, fromCode } from './codes';
import { connectionWhere, rollupCanFilter, rollupWhere, whereText, type ConnectionFilter, type Sql } from './filter';
import type { StoreDb } from './open';

export const COUNT_BY_FIELDS = ['remote', 'exe', 'process', 'port', 'user', 'direction', 'transport', 'action', 'pid', 'local-port'] as const;
export type CountByField = (typeof COUNT_BY_FIELDS)[number];

export interface CountRow {
  readonly value: string;
  readonly count: number;
  readonly firstUs: number;
  readonly lastUs: number;
  readonly executables: number;
  readonly remotes: number;
}

const DAY_US = 86_400_000_000;

/**
 * The grouping expression over the rollup `r` (undefined: the rollup does not keep it), and over
 * raw connections: a `column` of the connection `c` itself, or else an expression over its
 * process `p` and program `g`.
 */
const KEYS: Record<CountByField, { rollup?: string; column?: string; joined?: string; onlyWhen?: ConnectionFilter['direction'] }> = {
  remote: { rollup: 'r.remote_ip', column: 'c.remote_ip' },
  exe: { rollup: 'g.executable', joined: "coalesce(g.executable, '')" },
  process: { rollup: 'g.name', joined: "coalesce(g.name, '')" },
  port: { rollup: 'r.remote_port', column: 'c.remote_port', onlyWhen: 'egress' },
  user: { rollup: 'g.user_name', joined: "coalesce(g.user_name, '')" },
  direction: { rollup: 'r.direction', column: 'c.direction' },
  transport: { rollup: 'r.transport', column: 'c.transport' },
  action: { rollup: 'r.action', column: 'c.action' },
  pid: { joined: 'p.pid' },
  'local-port': { rollup: 'r.local_port', column: 'c.local_port', onlyWhen: 'ingress' },
};

const CLOSED = codeOf(ACTIONS, 'connection_closed');

export function countBy(db: StoreDb, field: CountByField, filter: ConnectionFilter, limit?: number): CountRow[] {
  const key = KEYS[field];
  const parts: string[] = [];
  const params: unknown[] = [];
  // Raw connections are grouped by process, address and key on the connection table alone
  // first; the process and program are joined to the groups, far fewer than the rows.
  const raw = (filtered: Sql) => {
    // A close ends a connection already counted: like the rollup, raw counts leave closes out unless they are asked for.
    const sql = filter.action === undefined ? { where: [...filtered.where, 'c.action != ?'], params: [...filtered.params, CLOSED] } : filtered;
    parts.push(
      `SELECT ${key.column === undefined ? key.joined : 'x.kc'} AS k, p.program_id AS pg, x.rip AS rip, x.n AS n, x.f AS f, x.l AS l
       FROM (SELECT c.process_id AS process_id, c.remote_ip AS rip, ${key.column ?? 'NULL'} AS kc, count(*) AS n, min(c.time_us) AS f, max(c.time_us) AS l
             FROM connection c ${whereText(sql)} GROUP BY c.process_id, c.remote_ip, kc) x
       LEFT JOIN process p ON p.id = x.process_id ${key.column === undefined ? 'LEFT JOIN program g ON g.id = p.program_id' : ''}`,
    );
    params.push(...sql.params);
  };
  /**
   * A day that [since, until) cuts. When none of its rollup rows straddles a bound (each one's
   * first and last times fall both inside or both outside the range: a range that starts
   * before the oldest connection, or keys that begin after --since), the rows inside count
   * whole and no connection is read; otherwise its connections inside the range are counted.
   */
  const partialDay = (day: number, since: number, until: number, rollupSelect: string) => {
    const straddle = rollupWhere(filter, day, day + 1);
    const straddles = db
      .prepare(`SELECT 1 FROM rollup r JOIN program g ON g.id = r.program_id ${whereText(straddle)}
         AND r.last_us >= ? AND r.first_us < ? AND NOT (r.first_us >= ? AND r.last_us < ?) LIMIT 1`)
      .get(...straddle.params, since, until, since, until);
    if (straddles !== undefined) {
      raw(connectionWhere(filter, since, until));
      return;
    }
    const inside = rollupWhere(filter, day, day + 1);
    parts.push(
      `${rollupSelect}, r.count AS n, r.first_us AS f, r.last_us AS l FROM rollup r JOIN program g ON g.id = r.program_id
       ${whereText(inside)} AND r.first_us >= ? AND r.last_us < ?`,
    );
    params.push(...inside.params, since, until);
  };
  const rollupKeeps = key.rollup !== undefined && (key.onlyWhen === undefined || key.onlyWhen === filter.direction);
  if (rollupKeeps && rollupCanFilter(filter)) {
    const rollupSelect = `SELECT ${key.rollup} AS k, r.program_id AS pg, r.remote_ip AS rip`;
    // Whole days inside [since, until): from the first midnight at or after since to the last before until.
    const fromDay = filter.sinceUs === undefined ? undefined : Math.ceil(filter.sinceUs / DAY_US);
    const toDay = filter.untilUs === undefined ? undefined : Math.floor(filter.untilUs / DAY_US);
    const wholeFrom = fromDay !== undefined && toDay !== undefined && fromDay > toDay ? toDay : fromDay;
    if (wholeFrom === undefined || toDay === undefined || wholeFrom < toDay) {
      const r = rollupWhere(filter, wholeFrom, toDay);
      parts.push(`${rollupSelect}, r.count AS n, r.first_us AS f, r.last_us AS l FROM rollup r JOIN program g ON g.id = r.program_id ${whereText(r)}`);
      params.push(...r.params);
    }
    // The days cut by since or until (one day when both fall in it).
    const cut = new Set<number>();
    if (fromDay !== undefined && filter.sinceUs! < fromDay * DAY_US) cut.add(fromDay - 1);
    if (toDay !== undefined && filter.untilUs! > toDay * DAY_US) cut.add(toDay);
    for (const day of cut) partialDay(day, Math.max(filter.sinceUs ?? -Infinity, day * DAY_US), Math.min(filter.untilUs ?? Infinity, (day + 1) * DAY_US), rollupSelect);
  } else raw(connectionWhere(filter));
  // Grouped twice: first by value × program × remote (integers and a blob: a cheap sort key),
  // then, with each program's executable joined to those far fewer groups, by value. The
  // DISTINCT counts of the outer grouping then see each pair about once instead of once per row.
  const sql = `SELECT k, sum(n) AS count, min(f) AS first, max(l) AS last, count(DISTINCT exe) AS exes, count(DISTINCT rip) AS remotes
    FROM (SELECT y.k AS k, coalesce(g.executable, '') AS exe, y.rip AS rip, y.n AS n, y.f AS f, y.l AS l
          FROM (SELECT k, pg, rip, sum(n) AS n, min(f) AS f, max(l) AS l FROM (${parts.join(' UNION ALL ')}) GROUP BY k, pg, rip) y
          LEFT JOIN program g ON g.id = y.pg)
    GROUP BY k ORDER BY count DESC, k ${limit !== undefined ? 'LIMIT ?' : ''}`;
  if (limit !== undefined) params.push(limit);
  const rows = db.prepare(sql).all(...params) as { k: unknown; count: number; first: number; last: number; exes: number; remotes: number }[];
  return rows.map((row) => ({
    value: renderKey(field, row.k),
    count: row.count,
    firstUs: row.first,
    lastUs: row.last,
    executables: row.exes,
    remotes: row.remotes,
  }));
}

function renderKey(field: CountByField, k: unknown): string {
  if (k === null || k === undefined || k === '') return '-';
  switch (field) {
    case 'remote':
      return blobToIp(k as Buffer);
    case 'direction':
      return fromCode(DIRECTIONS, k as number, 'egress');
    case 'transport':
      return fromCode(TRANSPORTS, k as number, 'tcp');
    case 'action':
      return fromCode(ACTIONS, k as number, 'connection_attempted');
    default:
      return String(k);
  }
}
