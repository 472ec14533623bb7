// One batch of records into the store, inside the caller's transaction (on the writer thread):
// processes and programs looked up (or inserted once) through in-memory caches, connections
// inserted ROWS_PER_INSERT to a statement, and the rollup and listener counts aggregated in
// memory first so a batch costs one upsert per distinct key rather than one per record.
import type { ConnectionEvent, ProcessInfo } from '../../core/connection-event';
import { F, FIELDS, NO_PROCESS, type EncodedBatch } from './batch-codec';
import { setBounded } from '../../core/set-bounded';
import { ACTIONS, ATTRIBUTIONS, CAPTURES, DIRECTIONS, OUTCOMES, RULES, TRANSPORTS, codeOf } from './codes';
import { ipToBlob } from './ip-blob';
import type { StoreDb } from './open';
import { INDEX_BUCKET_US } from './schema';
import type Database from 'better-sqlite3';

const DAY_US = 86_400_000_000;
const LISTEN = codeOf(ACTIONS, 'listen');
const CLOSED = codeOf(ACTIONS, 'connection_closed');
const EGRESS = codeOf(DIRECTIONS, 'egress');
const CACHE_MAX = 65_536;
const ZERO_BLOB = Buffer.alloc(16);
/** Columns of one connection row, and rows per multi-row INSERT. */
const COLUMNS = 22;
/** The meta key under which the next connection number survives a restart. */
const NEXT_ID_KEY = 'next_connection_id';
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
  private readonly setLastHour: Database.Statement;
  private readonly hashProcess: Database.Statement;
  private readonly hashProcessById: Database.Statement;
  private readonly saveNextId: Database.Statement;
  /**
   * The number the next connection row gets: with its time it is the row's key. Numbers only
   * grow, so two rows of the same microsecond never share a key, whatever order they come in;
   * one kept in meta per commit spares a scan of the whole table at start.
   */
  private nextId: number;
  /** ProcessInfo objects are shared and never changed: the identity is the cheapest key. */
  private processIdsByObject = new WeakMap<ProcessInfo, number>();
  private readonly processIds = new Map<string, number>();
  private readonly programIds = new Map<string, number>();
  private readonly blobs = new Map<string, Buffer>();
  /** Per process id, the newest hour its row says it has connections in (process.last_hour). */
  private readonly lastHours = new Map<number, number>();

  constructor(db: StoreDb) {
    this.db = db;
    this.upsertProgram = db.prepare(
      `INSERT INTO program (executable, name, uid, user_name) VALUES (?,?,?,?)
       ON CONFLICT (executable, name, uid, user_name) DO UPDATE SET name = excluded.name RETURNING id`,
    );
    this.upsertProcess = db.prepare(
      `INSERT INTO process (entity_id, program_id, pid, command_line, args, start_ms, start_ticks, parent_pid, parent_name,
         parent_executable, parent_entity_id, container_id, exited, executable_sha256, executable_deleted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT (entity_id, program_id) DO UPDATE SET pid = excluded.pid,
         executable_sha256 = coalesce(process.executable_sha256, excluded.executable_sha256) RETURNING id`,
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
    this.setLastHour = db.prepare('UPDATE process SET last_hour = ? WHERE id = ? AND (last_hour IS NULL OR last_hour < ?)');
    this.hashProcess = db.prepare('UPDATE process SET executable_sha256 = ? WHERE entity_id = ? AND executable_sha256 IS NULL');
    this.hashProcessById = db.prepare('UPDATE process SET executable_sha256 = ? WHERE id = ? AND executable_sha256 IS NULL');
    this.saveNextId = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const saved = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(NEXT_ID_KEY) as string | undefined;
    this.nextId = saved === undefined ? 1 : Number(saved);
  }

  /** Writes a batch's records and process ends; the caller wraps it in a transaction. */
  write(batch: EncodedBatch, processes: ReadonlyMap<number, ProcessInfo>): void {
    const rollup = new Map<string, Count>();
    const listeners = new Map<string, Count>();
    const pending: unknown[] = [];
    const newerHours = new Map<number, number>();
    const n = batch.numbers;
    for (let i = 0; i < batch.count; i++) {
      const o = i * FIELDS;
      const key = n[o + F.process]!;
      const process = key === NO_PROCESS ? undefined : processes.get(key);
      const programId = this.programId(process);
      const processId = process ? this.processId(process, programId) : null;
      const timeUs = n[o + F.time]!;
      if (processId !== null) {
        const hour = Math.floor(timeUs / INDEX_BUCKET_US);
        if (hour > (this.lastHours.get(processId) ?? -1) && hour > (newerHours.get(processId) ?? -1)) newerHours.set(processId, hour);
      }
      const action = n[o + F.action]!;
      const transport = n[o + F.transport]!;
      const direction = n[o + F.direction]!;
      const localPort = n[o + F.localPort]!;
      const remotePort = n[o + F.remotePort]!;
      const remoteIp = batch.addresses[n[o + F.remoteAddress]!]!;
      const remote = this.blob(remoteIp);
      const tid = n[o + F.tid]!;
      const errno = n[o + F.errno]!;
      const domain = n[o + F.domain]!;
      pending.push(
        timeUs,
        this.nextId++,
        processId,
        action,
        n[o + F.outcome]!,
        transport,
        direction,
        n[o + F.capture]!,
        n[o + F.attribution]!,
        this.blob(batch.addresses[n[o + F.localAddress]!]!),
        localPort,
        remote,
        remotePort,
        Number.isNaN(tid) ? null : tid,
        Number.isNaN(errno) ? null : errno,
        n[o + F.preexisting] ? 1 : null,
        Number.isNaN(domain) ? null : batch.domains[domain]!,
        orNull(n[o + F.durationNs]!),
        orNull(n[o + F.bytesOut]!),
        orNull(n[o + F.bytesIn]!),
        orNull(n[o + F.packetsOut]!),
        orNull(n[o + F.packetsIn]!),
      );
      if (pending.length === ROWS_PER_INSERT * COLUMNS) {
        this.insertRows(ROWS_PER_INSERT).run(pending);
        pending.length = 0;
      }
      // A close is the end of a connection already counted at its start: counts stay per connection.
      if (action === CLOSED) continue;
      const day = Math.floor(timeUs / DAY_US);
      // The service port only: the remote port of an egress connection, the local port of an ingress one.
      const servicePort = direction === EGRESS ? remotePort : 0;
      const ownPort = direction === EGRESS ? 0 : localPort;
      count(rollup, `${day}|${programId}|${remoteIp}|${servicePort}|${ownPort}|${direction}|${transport}|${action}`, timeUs, () => [
        day,
        programId,
        remote,
        servicePort,
        ownPort,
        direction,
        transport,
        action,
      ]);
      if (action === LISTEN) count(listeners, `${programId}|${localPort}|${transport}`, timeUs, () => [programId, localPort, transport]);
    }
    if (pending.length > 0) this.insertRows(pending.length / COLUMNS).run(pending);
    if (batch.count > 0) this.saveNextId.run(NEXT_ID_KEY, String(this.nextId));
    for (const ev of batch.alerts) this.writeAlert(ev);
    for (const c of rollup.values()) this.upsertRollup.run(...c.params, c.count, c.first, c.last);
    for (const c of listeners.values()) this.upsertListener.run(...c.params, c.first, c.last);
    for (const end of batch.ends) this.endProcess.run(end.timeUs, end.entityId);
    // At most one update per process an hour: the hour changes far less often than a batch.
    for (const [id, hour] of newerHours) {
      this.setLastHour.run(hour, id, hour);
      setBounded(this.lastHours, id, hour, CACHE_MAX);
    }
    for (const h of batch.hashes) this.hashProcess.run(h.sha256, h.entityId);
  }

  /** One statement inserting `rows` connections: per row, SQLite's statement overhead is paid once per statement. */
  private insertRows(rows: number): Database.Statement {
    let stmt = this.inserts.get(rows);
    if (stmt === undefined) {
      const values = Array.from({ length: rows }, () => `(${Array.from({ length: COLUMNS }, () => '?').join(',')})`).join(',');
      stmt = this.db.prepare(
        `INSERT INTO connection (time_us, id, process_id, action, outcome, transport, direction, capture, attribution,
           local_ip, local_port, remote_ip, remote_port, tid, errno, preexisting, domain, duration_ns, bytes_out, bytes_in, packets_out,
           packets_in) VALUES ${values}`,
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
    this.lastHours.clear();
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
        p.sha256 ?? null,
        p.executableDeleted ? 1 : null,
      ) as { id: number };
      id = row.id;
      setBounded(this.processIds, key, id, CACHE_MAX);
    } else if (p.sha256 !== undefined) {
      // A process revised with its hash after its row was written: a new object, the same row.
      this.hashProcessById.run(p.sha256, id);
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

/** A number of a batch's run as a column value: NaN (absent) is NULL. */
function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
