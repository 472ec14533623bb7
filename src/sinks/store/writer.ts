// One batch of records into the store, inside the caller's transaction: processes and programs
// looked up (or inserted once) through in-memory caches, connections inserted, and the rollup
// and listener counts aggregated in memory first so a batch costs one upsert per distinct key
// rather than one per record.
import type { ConnectionEvent, ProcessInfo } from '../../core/connection-event';
import type { ProcessEnd } from '../../core/stages';
import { setBounded } from '../../core/set-bounded';
import { ACTIONS, ATTRIBUTIONS, CAPTURES, DIRECTIONS, OUTCOMES, RULES, TRANSPORTS, codeOf } from './codes';
import { ipToBlob } from './ip-blob';
import type { StoreDb } from './open';
import type Database from 'better-sqlite3';

const DAY_US = 86_400_000_000;
const LISTEN = codeOf(ACTIONS, 'listen');
const EGRESS = codeOf(DIRECTIONS, 'egress');
const CACHE_MAX = 65_536;
const ZERO_BLOB = Buffer.alloc(16);
/** Columns of one connection row, and rows per multi-row INSERT. */
const COLUMNS = 15;
const ROWS_PER_INSERT = 64;

interface Count {
  readonly params: unknown[];
  count: number;
  first: number;
  last: number;
}

export class BatchWriter {
  private readonly db: StoreDb;
  /** INSERT statements by row count (1 to ROWS_PER_INSERT), each prepared on first use. */
  private readonly inserts = new Map<number, Database.Statement>();
  private readonly upsertProgram: Database.Statement;
  private readonly upsertProcess: Database.Statement;
  private readonly upsertRollup: Database.Statement;
  private readonly upsertListener: Database.Statement;
  private readonly insertAlert: Database.Statement;
  private readonly endProcess: Database.Statement;
  /** ProcessInfo objects are shared and never changed: the identity is the cheapest key. */
  private processIdsByObject = new WeakMap<ProcessInfo, number>();
  private readonly processIds = new Map<string, number>();
  private readonly programIds = new Map<string, number>();
  private readonly blobs = new Map<string, Buffer>();

  constructor(db: StoreDb) {
    this.db = db;
    this.upsertProgram = db.prepare(
      `INSERT INTO program (executable, name, uid, user_name) VALUES (?,?,?,?)
       ON CONFLICT (executable, name, uid, user_name) DO UPDATE SET name = excluded.name RETURNING id`,
    );
    this.upsertProcess = db.prepare(
      `INSERT INTO process (entity_id, program_id, pid, command_line, args, start_ms, start_ticks, parent_pid, parent_name,
         parent_executable, parent_entity_id, container_id, exited) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT (entity_id, program_id) DO UPDATE SET pid = excluded.pid RETURNING id`,
    );
    this.upsertRollup = db.prepare(
      `INSERT INTO rollup (day, program_id, remote_ip, remote_port, local_port, direction, transport, action, count, first_us, last_us)
       VALUES (?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT DO UPDATE SET count = count + excluded.count, first_us = min(first_us, excluded.first_us), last_us = max(last_us, excluded.last_us)`,
    );
    this.upsertListener = db.prepare(
      `INSERT INTO listener (program_id, port, transport, first_us, last_us) VALUES (?,?,?,?,?)
       ON CONFLICT DO UPDATE SET first_us = min(first_us, excluded.first_us), last_us = max(last_us, excluded.last_us)`,
    );
    this.insertAlert = db.prepare(
      `INSERT OR IGNORE INTO alert (alert_id, time_us, rule, description, reason, severity, risk_score, process_id,
         previous_process_id, previous_end_us, beacon_period_s, beacon_score, beacon_count, action, outcome, transport,
         direction, capture, attribution, local_ip, local_port, remote_ip, remote_port)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    this.endProcess = db.prepare('UPDATE process SET end_us = ? WHERE entity_id = ? AND end_us IS NULL');
  }

  /** Writes the records and process ends; the caller wraps it in a transaction. */
  write(events: readonly ConnectionEvent[], ends: readonly ProcessEnd[]): void {
    const rollup = new Map<string, Count>();
    const listeners = new Map<string, Count>();
    const pending: unknown[] = [];
    for (const ev of events) {
      if (ev.alert) {
        this.writeAlert(ev);
        continue;
      }
      const programId = this.programId(ev.process);
      const processId = ev.process ? this.processId(ev.process, programId) : null;
      const action = codeOf(ACTIONS, ev.action);
      const transport = codeOf(TRANSPORTS, ev.transport);
      const direction = codeOf(DIRECTIONS, ev.direction);
      const remote = this.blob(ev.remote.ip);
      pending.push(
        ev.timeUs,
        processId,
        action,
        codeOf(OUTCOMES, ev.outcome),
        transport,
        direction,
        codeOf(CAPTURES, ev.capture),
        codeOf(ATTRIBUTIONS, ev.attribution),
        this.blob(ev.local.ip),
        ev.local.port,
        remote,
        ev.remote.port,
        ev.tid ?? null,
        ev.errno ?? null,
        ev.preexisting ? 1 : null,
      );
      const day = Math.floor(ev.timeUs / DAY_US);
      // The service port only: the remote port of an egress connection, the local port of an ingress one.
      const remotePort = direction === EGRESS ? ev.remote.port : 0;
      const localPort = direction === EGRESS ? 0 : ev.local.port;
      count(rollup, `${day}|${programId}|${ev.remote.ip}|${remotePort}|${localPort}|${direction}|${transport}|${action}`, ev.timeUs, () => [
        day,
        programId,
        remote,
        remotePort,
        localPort,
        direction,
        transport,
        action,
      ]);
      if (action === LISTEN) count(listeners, `${programId}|${ev.local.port}|${transport}`, ev.timeUs, () => [programId, ev.local.port, transport]);
      if (pending.length === ROWS_PER_INSERT * COLUMNS) {
        this.insertRows(ROWS_PER_INSERT).run(pending);
        pending.length = 0;
      }
    }
    if (pending.length > 0) this.insertRows(pending.length / COLUMNS).run(pending);
    for (const c of rollup.values()) this.upsertRollup.run(...c.params, c.count, c.first, c.last);
    for (const c of listeners.values()) this.upsertListener.run(...c.params, c.first, c.last);
    for (const end of ends) this.endProcess.run(end.timeUs, end.entityId);
  }

  /** One statement inserting `rows` connections: per row, SQLite's statement overhead is paid once per statement. */
  private insertRows(rows: number): Database.Statement {
    let stmt = this.inserts.get(rows);
    if (stmt === undefined) {
      const values = Array.from({ length: rows }, () => `(${Array.from({ length: COLUMNS }, () => '?').join(',')})`).join(',');
      stmt = this.db.prepare(
        `INSERT INTO connection (time_us, process_id, action, outcome, transport, direction, capture, attribution,
           local_ip, local_port, remote_ip, remote_port, tid, errno, preexisting) VALUES ${values}`,
      );
      this.inserts.set(rows, stmt);
    }
    return stmt;
  }

  /** After a failed commit or a retention pass: the ids cached may no longer exist. */
  forgetIds(): void {
    this.processIdsByObject = new WeakMap();
    this.processIds.clear();
    this.programIds.clear();
  }

  private writeAlert(ev: ConnectionEvent): void {
    const a = ev.alert!;
    const processId = ev.process ? this.processId(ev.process, this.programId(ev.process)) : null;
    const prev = a.previous ? this.processId(a.previous.process, this.programId(a.previous.process)) : null;
    this.insertAlert.run(
      a.id,
      ev.timeUs,
      codeOf(RULES, a.rule),
      a.description,
      a.reason,
      a.severity,
      a.riskScore,
      processId,
      prev,
      a.previous?.endUs ?? null,
      a.beacon?.periodS ?? null,
      a.beacon?.score ?? null,
      a.beacon?.count ?? null,
      codeOf(ACTIONS, ev.action),
      codeOf(OUTCOMES, ev.outcome),
      codeOf(TRANSPORTS, ev.transport),
      codeOf(DIRECTIONS, ev.direction),
      codeOf(CAPTURES, ev.capture),
      codeOf(ATTRIBUTIONS, ev.attribution),
      this.blob(ev.local.ip),
      ev.local.port,
      this.blob(ev.remote.ip),
      ev.remote.port,
    );
  }

  private blob(ip: string): Buffer {
    let b = this.blobs.get(ip);
    if (b === undefined) {
      b = ipToBlob(ip) ?? ZERO_BLOB;
      setBounded(this.blobs, ip, b, CACHE_MAX);
    }
    return b;
  }

  private programId(p: ProcessInfo | undefined): number {
    const exe = p?.executable ?? '';
    const name = p?.name ?? '';
    const uid = p?.uid ?? -1;
    const user = p?.userName ?? '';
    const key = `${exe}\0${name}\0${uid}\0${user}`;
    let id = this.programIds.get(key);
    if (id === undefined) {
      id = (this.upsertProgram.get(exe, name, uid, user) as { id: number }).id;
      setBounded(this.programIds, key, id, CACHE_MAX);
    }
    return id;
  }

  private processId(p: ProcessInfo, programId: number): number {
    let id = this.processIdsByObject.get(p);
    if (id !== undefined) return id;
    const entity = p.entityId ?? `~${p.pid}:${p.startTicks ?? ''}`;
    const key = `${entity}\0${programId}`;
    id = this.processIds.get(key);
    if (id === undefined) {
      const parent = p.parent;
      const row = this.upsertProcess.get(
        entity,
        programId,
        p.pid,
        p.commandLine ?? null,
        p.args ? JSON.stringify(p.args) : null,
        p.startMs ?? null,
        p.startTicks ?? null,
        parent?.pid ?? null,
        parent?.name ?? null,
        parent?.executable ?? null,
        parent?.entityId ?? null,
        p.containerId ?? null,
        p.exited ? 1 : null,
      ) as { id: number };
      id = row.id;
      setBounded(this.processIds, key, id, CACHE_MAX);
    }
    this.processIdsByObject.set(p, id);
    return id;
  }
}

function count(map: Map<string, Count>, key: string, timeUs: number, params: () => unknown[]): void {
  const c = map.get(key);
  if (c === undefined) map.set(key, { params: params(), count: 1, first: timeUs, last: timeUs });
  else {
    c.count++;
    if (timeUs < c.first) c.first = timeUs;
    if (timeUs > c.last) c.last = timeUs;
  }
}
