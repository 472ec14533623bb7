// Ground-truth records written by loadgen.c (one JSON line per child) and its summary line.
// Decoders are pure: they check every field and return an Error instead of throwing.

import { isJsonObject, parseJsonObject } from './json-object';

export type TruthKind = 'tcp4' | 'tcp6' | 'udp4' | 'udp6';

export interface TruthRecord {
  pid: number;
  ppid: number;
  comm: string;
  kind: TruthKind;
  transport: 'tcp' | 'udp';
  family: 'ipv4' | 'ipv6';
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  ok: boolean;
  errno: number;
  monoNs: bigint;
  realNs: bigint;
}

export interface LoadgenSummary {
  pid: number;
  exe: string;
  execMode: boolean;
  requestedRate: number;
  spawned: number;
  forkFailed: number;
  ok: number;
  failed: number;
  spawnSeconds: number;
  totalSeconds: number;
  achievedRate: number;
  okByKind: Record<TruthKind, number>;
  seenByListener: Record<TruthKind, number>;
  ports: Record<TruthKind, number>;
}

const KINDS: readonly TruthKind[] = ['tcp4', 'tcp6', 'udp4', 'udp6'];

function int(o: Record<string, unknown>, k: string): number | Error {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) ? v : new Error(`field ${k}: expected an integer`);
}
function num(o: Record<string, unknown>, k: string): number | Error {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : new Error(`field ${k}: expected a number`);
}
function str(o: Record<string, unknown>, k: string): string | Error {
  const v = o[k];
  return typeof v === 'string' ? v : new Error(`field ${k}: expected a string`);
}
function port(o: Record<string, unknown>, k: string): number | Error {
  const v = int(o, k);
  return v instanceof Error || (v >= 0 && v <= 65535) ? v : new Error(`field ${k}: ${v} is not a port`);
}
function kindMap(o: Record<string, unknown>, k: string): Record<TruthKind, number> | Error {
  const m = o[k];
  if (!isJsonObject(m)) return new Error(`field ${k}: expected an object`);
  const out = {} as Record<TruthKind, number>;
  for (const kind of KINDS) {
    const v = int(m, kind);
    if (v instanceof Error) return new Error(`field ${k}.${kind}: expected an integer`);
    out[kind] = v;
  }
  return out;
}
function firstError(vals: unknown[]): Error | undefined {
  return vals.find((v): v is Error => v instanceof Error);
}

/** Nanosecond times exceed 2^53, so they are read from the raw text, not from JSON.parse's double. */
function bigField(line: string, key: string): bigint | Error {
  const m = new RegExp(`"${key}":(-?\\d+)`).exec(line);
  return m?.[1] !== undefined ? BigInt(m[1]) : new Error(`field ${key}: expected an integer`);
}

export function parseTruthLine(line: string): TruthRecord | Error {
  const o = parseJsonObject(line, 'truth line');
  if (o instanceof Error) return o;
  const pid = int(o, 'pid'),
    ppid = int(o, 'ppid'),
    comm = str(o, 'comm'),
    kind = str(o, 'kind');
  const transport = str(o, 'transport'),
    family = str(o, 'family');
  const localIp = str(o, 'local_ip'),
    localPort = port(o, 'local_port');
  const remoteIp = str(o, 'remote_ip'),
    remotePort = port(o, 'remote_port'),
    errno = int(o, 'errno');
  const monoNs = bigField(line, 'mono_ns'),
    realNs = bigField(line, 'real_ns');
  const err = firstError([pid, ppid, comm, kind, transport, family, localIp, localPort, remoteIp, remotePort, errno, monoNs, realNs]);
  if (err) return err;
  if (!KINDS.includes(kind as TruthKind)) return new Error(`field kind: unknown ${String(kind)}`);
  if (transport !== 'tcp' && transport !== 'udp') return new Error(`field transport: ${String(transport)}`);
  if (family !== 'ipv4' && family !== 'ipv6') return new Error(`field family: ${String(family)}`);
  if (typeof o.ok !== 'boolean') return new Error('field ok: expected a boolean');
  return {
    pid: pid as number,
    ppid: ppid as number,
    comm: comm as string,
    kind: kind as TruthKind,
    transport,
    family,
    localIp: localIp as string,
    localPort: localPort as number,
    remoteIp: remoteIp as string,
    remotePort: remotePort as number,
    ok: o.ok,
    errno: errno as number,
    monoNs: monoNs as bigint,
    realNs: realNs as bigint,
  };
}

export interface ParsedTruth {
  records: TruthRecord[];
  errors: string[];
}

export function parseTruthFile(text: string): ParsedTruth {
  const out: ParsedTruth = { records: [], errors: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = parseTruthLine(line);
    if (r instanceof Error) out.errors.push(r.message);
    else out.records.push(r);
  }
  return out;
}

export function parseLoadgenSummary(line: string): LoadgenSummary | Error {
  const o = parseJsonObject(line, 'loadgen summary');
  if (o instanceof Error) return o;
  const vals = {
    pid: int(o, 'pid'),
    exe: str(o, 'exe'),
    requestedRate: num(o, 'requested_rate'),
    spawned: int(o, 'spawned'),
    forkFailed: int(o, 'fork_failed'),
    ok: int(o, 'ok'),
    failed: int(o, 'failed'),
    spawnSeconds: num(o, 'spawn_seconds'),
    totalSeconds: num(o, 'total_seconds'),
    achievedRate: num(o, 'achieved_rate'),
    okByKind: kindMap(o, 'ok_by_kind'),
    seenByListener: kindMap(o, 'seen_by_listener'),
    ports: kindMap(o, 'ports'),
  };
  const err = firstError(Object.values(vals));
  if (err) return err;
  if (typeof o.exec_mode !== 'boolean') return new Error('field exec_mode: expected a boolean');
  return { ...(vals as Omit<LoadgenSummary, 'execMode'>), execMode: o.exec_mode };
}
