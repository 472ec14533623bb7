// Decoders for the bodies of the trace events this tier enables. Pure functions: they check
// the shape and return an error value instead of throwing.
//
// The main instance prints with options/fields (every field as `name=0xHEX (DEC)`), because
// only that shows inet_sock_set_state's skaddr, the socket pointer that joins a socket's
// transitions. That mode cannot print 16-byte arrays ("<INVALID-SIZE>"), so IPv6 addresses
// come from a second instance in the default print format (decodeState6, decodeFib6).
import { tcpStateNumber } from '../../core/tcp-state';
import type { Parsed, TraceDecodeErrorKind } from './trace-line';

export interface StateRecord {
  kind: 'state';
  skaddr: string;
  oldstate: number;
  newstate: number;
  sport: number;
  dport: number;
  family: number;
  protocol: number;
  /** Dotted IPv4 (meaningful for AF_INET only). */
  saddr: string;
  daddr: string;
}
export interface State6Record {
  kind: 'state6';
  oldstate: number;
  newstate: number;
  sport: number;
  dport: number;
  saddr: string;
  daddr: string;
}
export interface ExecRecord {
  kind: 'exec';
  filename: string;
  pid: number;
  oldPid: number;
}
interface ExitRecord {
  kind: 'exit';
  pid: number;
  groupDead: boolean;
}
/** task:task_newtask: a task created by the current one (the parent, in the line header). */
interface NewTaskRecord {
  kind: 'newtask';
  /** The new task's pid (its tid; its tgid too when it is a process). */
  pid: number;
  /** CLONE_THREAD: a thread of the parent's process, not a new process. */
  thread: boolean;
  /** CLONE_PARENT: the new process's parent is the caller's parent. */
  cloneParent: boolean;
}
interface AcceptEnterRecord {
  kind: 'accept-enter';
  /** The listening socket's fd. */
  fd: number;
}
interface AcceptExitRecord {
  kind: 'accept-exit';
  ret: number;
}
/** A route lookup for a UDP send/connect: the only place this kernel shows a UDP tuple. */
export interface UdpRouteRecord {
  kind: 'udp-route';
  family: 'ipv4' | 'ipv6';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  err: number;
}
export type TraceRecord = StateRecord | State6Record | ExecRecord | ExitRecord | NewTaskRecord | AcceptEnterRecord | AcceptExitRecord | UdpRouteRecord;

function fail(error: string, kind: TraceDecodeErrorKind = 'bad_body'): { ok: false; kind: TraceDecodeErrorKind; error: string } {
  return { ok: false, kind, error };
}

// `name=0xHEX (DEC)` or, for one-byte fields, `name=(DEC)`.
const NUM_FIELD = /(?:^| )([a-z_0-9]+)=(?:0x([0-9a-f]+) )?\((-?\d+)\)/g;

/** Numeric fields of a fields-mode body that holds no strings (so no value can forge a key). */
function numericFields(body: string): Map<string, { hex?: string | undefined; dec: number }> {
  const out = new Map<string, { hex?: string | undefined; dec: number }>();
  for (const m of body.matchAll(NUM_FIELD)) {
    out.set(m[1]!, { hex: m[2], dec: Number(m[3]) });
  }
  return out;
}

/** u8[4] printed as a host-order (little-endian) u32 in hex: byte 0 is the low byte. */
export function ipv4FromLeHex(hex: string): string {
  const v = parseInt(hex, 16) >>> 0;
  return `${v & 0xff}.${(v >>> 8) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 24) & 0xff}`;
}

function need(f: Map<string, { hex?: string | undefined; dec: number }>, names: string[]): string | undefined {
  for (const n of names) if (!f.has(n)) return `missing field ${n}`;
  return undefined;
}

function decodeStateFields(body: string): Parsed<StateRecord> {
  const f = numericFields(body);
  const missing = need(f, ['skaddr', 'oldstate', 'newstate', 'sport', 'dport', 'family', 'protocol', 'saddr', 'daddr']);
  if (missing) return fail(missing);
  const sk = f.get('skaddr')!.hex;
  if (!sk) return fail('skaddr without hex value');
  return {
    ok: true,
    value: {
      kind: 'state',
      skaddr: sk,
      oldstate: f.get('oldstate')!.dec,
      newstate: f.get('newstate')!.dec,
      sport: f.get('sport')!.dec,
      dport: f.get('dport')!.dec,
      family: f.get('family')!.dec,
      protocol: f.get('protocol')!.dec,
      saddr: ipv4FromLeHex(f.get('saddr')!.hex ?? '0'),
      daddr: ipv4FromLeHex(f.get('daddr')!.hex ?? '0'),
    },
  };
}

const EXEC_TAIL = /^filename=(.*) pid=0x[0-9a-f]+ \((\d+)\) old_pid=0x[0-9a-f]+ \((\d+)\)$/s;
export function decodeExecFields(body: string): Parsed<ExecRecord> {
  // The filename may hold anything; the numeric tail is anchored at the end, so it cannot be forged.
  const m = EXEC_TAIL.exec(body);
  if (!m) return fail('sched_process_exec body does not match');
  return { ok: true, value: { kind: 'exec', filename: m[1]!, pid: Number(m[2]), oldPid: Number(m[3]) } };
}

const EXIT_TAIL = /pid=0x[0-9a-f]+ \((\d+)\) prio=0x[0-9a-f]+ \(-?\d+\) group_dead=\((\d+)\)$/;
function decodeExitFields(body: string): Parsed<ExitRecord> {
  const m = EXIT_TAIL.exec(body);
  if (!m) return fail('sched_process_exit body does not match');
  return { ok: true, value: { kind: 'exit', pid: Number(m[1]), groupDead: m[2] !== '0' } };
}

const CLONE_THREAD = 0x10000n;
const CLONE_PARENT = 0x8000n;
const NEWTASK_PID = /^pid=0x[0-9a-f]+ \((\d+)\) comm=/;
// Anchored at the end: the comm before it (15 bytes) cannot forge the flags.
const NEWTASK_TAIL = / clone_flags=0x([0-9a-f]+) \(\d+\) oom_score_adj=0x[0-9a-f]+ \(-?\d+\)$/;
function decodeNewTaskFields(body: string): Parsed<NewTaskRecord> {
  const p = NEWTASK_PID.exec(body);
  const t = NEWTASK_TAIL.exec(body);
  if (!p || !t) return fail('task_newtask body does not match');
  const flags = BigInt(`0x${t[1]!}`);
  return {
    ok: true,
    value: {
      kind: 'newtask',
      pid: Number(p[1]),
      thread: (flags & CLONE_THREAD) !== 0n,
      cloneParent: (flags & CLONE_PARENT) !== 0n,
    },
  };
}

function decodeAcceptExitFields(body: string): Parsed<AcceptExitRecord> {
  const f = numericFields(body);
  const r = f.get('ret');
  if (!r) return fail('missing field ret');
  return { ok: true, value: { kind: 'accept-exit', ret: r.dec } };
}

function decodeAcceptEnterFields(body: string): Parsed<AcceptEnterRecord> {
  const f = numericFields(body);
  const fd = f.get('fd');
  if (!fd) return fail('missing field fd');
  return { ok: true, value: { kind: 'accept-enter', fd: fd.dec } };
}

function decodeFibFields(body: string): Parsed<UdpRouteRecord> {
  const f = numericFields(body);
  const missing = need(f, ['err', 'proto', 'src', 'dst', 'sport', 'dport']);
  if (missing) return fail(missing);
  return {
    ok: true,
    value: {
      kind: 'udp-route',
      family: 'ipv4',
      src: ipv4FromLeHex(f.get('src')!.hex ?? '0'),
      dst: ipv4FromLeHex(f.get('dst')!.hex ?? '0'),
      sport: f.get('sport')!.dec,
      dport: f.get('dport')!.dec,
      err: f.get('err')!.dec,
    },
  };
}

// --- default print format (the IPv6 companion instance) ---

const V6ADDR = '([0-9a-fA-F:.]+)';
const STATE6 = new RegExp(
  `^family=AF_INET6 protocol=IPPROTO_TCP sport=(\\d+) dport=(\\d+) saddr=\\S+ daddr=\\S+ saddrv6=${V6ADDR} daddrv6=${V6ADDR} oldstate=(TCP_[A-Z0-9_]+) newstate=(TCP_[A-Z0-9_]+)$`,
);
export function decodeState6(body: string): Parsed<State6Record> {
  const m = STATE6.exec(body);
  if (!m) return fail('inet_sock_set_state (AF_INET6, default format) does not match');
  const oldstate = tcpStateNumber(m[5]!);
  const newstate = tcpStateNumber(m[6]!);
  if (oldstate === undefined || newstate === undefined) return fail('unknown TCP state name');
  return {
    ok: true,
    value: { kind: 'state6', sport: Number(m[1]), dport: Number(m[2]), saddr: m[3]!, daddr: m[4]!, oldstate, newstate },
  };
}

const FIB6 = new RegExp(`^table\\s+\\d+ oif -?\\d+ iif -?\\d+ proto (\\d+) ${V6ADDR}/(\\d+) -> ${V6ADDR}/(\\d+) .* err (-?\\d+)$`);
function decodeFib6(body: string): Parsed<UdpRouteRecord> {
  const m = FIB6.exec(body);
  if (!m) return fail('fib6_table_lookup body does not match');
  return {
    ok: true,
    value: {
      kind: 'udp-route',
      family: 'ipv6',
      src: m[2]!,
      sport: Number(m[3]),
      dst: m[4]!,
      dport: Number(m[5]),
      err: Number(m[6]),
    },
  };
}

/** Decode a main-instance (fields mode) body by event name. */
export function decodeMain(event: string, body: string): Parsed<TraceRecord> {
  switch (event) {
    case 'inet_sock_set_state':
      return decodeStateFields(body);
    case 'sched_process_exec':
      return decodeExecFields(body);
    case 'sched_process_exit':
      return decodeExitFields(body);
    case 'task_newtask':
      return decodeNewTaskFields(body);
    case 'sys_enter_accept4':
    case 'sys_enter_accept':
      return decodeAcceptEnterFields(body);
    case 'sys_exit_accept4':
    case 'sys_exit_accept':
      return decodeAcceptExitFields(body);
    case 'fib_table_lookup':
      return decodeFibFields(body);
    default:
      return fail(`unexpected event ${event}`, 'unexpected_event');
  }
}

/** Decode a v6-instance (default format) body by event name. */
export function decodeV6(event: string, body: string): Parsed<TraceRecord> {
  switch (event) {
    case 'inet_sock_set_state':
      return decodeState6(body);
    case 'fib6_table_lookup':
      return decodeFib6(body);
    default:
      return fail(`unexpected event ${event}`, 'unexpected_event');
  }
}
