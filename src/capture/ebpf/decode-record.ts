// Decodes one ring-buffer record (bpf/packettrail.h) straight into the pipeline's
// ConnectionEvent or ProcessEvent, reading in place from the ring's memory: thousands of
// records a second, so no intermediate record objects, no per-record DataView and no BigInt.
// Checks lengths and returns an error text instead of throwing: a bad record is counted, not fatal.
import { monotonicToWallOffsetUs } from '../../core/clock';
import { AF_INET, AF_INET6 } from '../../core/kernel-constants';
import type { Building } from '../../core/building';
import type { ConnectionEvent, Endpoint } from '../../core/connection-event';
import type { ProcessEvent } from '../../core/stages';
import { ArgvCache } from './argv-cache';
import { IpTextCache } from './ip-bytes';
import { ACTION, ARGS_LEN, CLOSE, COMM_LEN, CONN, EXEC, FORK, HEADER, KIND, PATH_FLAG, PATH_LEN, RENAME } from './record-layout';

/**
 * Where decoded events go (the source's SourceOutput). A process event arrives still being
 * built: the source completes an exec's truncated executable before it hands the event on.
 */
export interface DecodedEvents {
  connection(ev: ConnectionEvent): void;
  process(ev: Building<ProcessEvent>): void;
}

/** Kernel CLOCK_MONOTONIC (bpf_ktime_get_ns) + offsetUs = epoch microseconds. */
export interface KernelClock {
  offsetUs: number;
}

/** Offset between CLOCK_MONOTONIC (bpf_ktime_get_ns, process.hrtime) and the wall clock. */
export function kernelClockNow(): KernelClock {
  return { offsetUs: monotonicToWallOffsetUs() };
}

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A NUL-terminated C string inside `buf[at, at+max)`. */
function cString(buf: Uint8Array, at: number, max: number): string {
  let end = at;
  const limit = at + max;
  let ascii = true;
  for (; end < limit && buf[end] !== 0; end++) if (buf[end]! >= 0x80) ascii = false;
  // Short ASCII names (comm) are most records: building them directly beats a TextDecoder call.
  if (ascii && end - at <= 32) {
    let s = '';
    for (let i = at; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  return utf8.decode(buf.subarray(at, end));
}

/**
 * The text of the last C string seen in one kind of field: the same bytes come again and again
 * (a server's comm, the program a fork storm execs), and comparing bytes is cheaper than
 * building the string, which is then also the very same string object for the caches after.
 */
class LastText {
  private text = '';
  private bytes = new Uint8Array(0);

  constructor(private readonly max: number) {}

  get(buf: Uint8Array, at: number, max: number = this.max): string {
    const last = this.bytes;
    let n = 0;
    while (n < max && buf[at + n] !== 0) n++;
    if (n === last.length) {
      let i = 0;
      while (i < n && buf[at + i] === last[i]) i++;
      if (i === n) return this.text;
    }
    this.bytes = buf.slice(at, at + n);
    this.text = cString(buf, at, n);
    return this.text;
  }
}

/**
 * Stable names for what is wrong with a record, counted by name in the stats record:
 * `truncated` (shorter than its kind needs), `unknown_kind`, `bad_field` (a value out of range).
 */
export type RecordDecodeErrorKind = 'truncated' | 'unknown_kind' | 'bad_field';

export interface RecordDecodeError {
  readonly kind: RecordDecodeErrorKind;
  /** For the log: which record and what was wrong with it. */
  readonly detail: string;
}

function bad(kind: RecordDecodeErrorKind, detail: string): RecordDecodeError {
  return { kind, detail };
}

/** The error for a fixed-size record of `what` kind that holds `len` of its `size` bytes. */
function truncated(what: string, len: number, size: number): RecordDecodeError {
  return bad('truncated', `${what} record of ${len} bytes, want ${size}`);
}

export class RecordDecoder {
  private readonly ips = new IpTextCache();
  private readonly comms = new LastText(COMM_LEN);
  private readonly execComms = new LastText(COMM_LEN);
  private readonly paths = new LastText(PATH_LEN);
  private readonly argvs = new ArgvCache();

  constructor(private readonly clock: KernelClock) {}

  /** Decodes `buf[at, at+len)` and hands its event to `out`; returns what is wrong with a bad record. */
  decode(buf: Uint8Array, dv: DataView, at: number, len: number, out: DecodedEvents): RecordDecodeError | undefined {
    if (len < HEADER.size) return bad('truncated', `record of ${len} bytes is shorter than its header`);
    const kind = dv.getUint32(at + HEADER.kind, true);
    switch (kind) {
      case KIND.conn:
        return this.conn(buf, dv, at, len, out);
      case KIND.close:
        return this.close(buf, dv, at, len, out);
      case KIND.exec:
        return this.exec(buf, dv, at, len, out);
      case KIND.exit:
        out.process({ type: 'exit', pid: dv.getUint32(at + HEADER.pid, true), timeUs: this.timeUs(dv, at) });
        return undefined;
      case KIND.rename:
        if (len < RENAME.size) return truncated('rename', len, RENAME.size);
        out.process({ type: 'rename', pid: dv.getUint32(at + HEADER.pid, true), comm: cString(buf, at + RENAME.newComm, COMM_LEN), timeUs: this.timeUs(dv, at) });
        return undefined;
      case KIND.fork:
        if (len < FORK.size) return truncated('fork', len, FORK.size);
        out.process({
          type: 'fork',
          pid: dv.getUint32(at + FORK.childPid, true),
          ppid: dv.getUint32(at + FORK.ppid, true),
          startTicks: u64(dv, at + FORK.startTicks),
          timeUs: this.timeUs(dv, at),
        });
        return undefined;
      default:
        return bad('unknown_kind', `unknown record kind ${kind}`);
    }
  }

  private timeUs(dv: DataView, at: number): number {
    return Math.floor(u64(dv, at + HEADER.tsNs) / 1000 + this.clock.offsetUs);
  }

  private conn(buf: Uint8Array, dv: DataView, at: number, len: number, out: DecodedEvents): RecordDecodeError | undefined {
    if (len < CONN.size) return truncated('connection', len, CONN.size);
    const action = buf[at + CONN.action]!;
    if (action < ACTION.connect || action > ACTION.udpRecv) return bad('bad_field', `unknown connection action ${action}`);
    const ev = this.connection(buf, dv, at, action);
    if (typeof ev === 'string') return bad('bad_field', ev);
    if (ev.outcome === 'failure') {
      const err = dv.getInt32(at + CONN.err, true);
      if (err > 0) ev.errno = err;
    }
    out.connection(ev);
    return undefined;
  }

  /** A close: the connection record of its start's owner and direction, with the socket's counters. */
  private close(buf: Uint8Array, dv: DataView, at: number, len: number, out: DecodedEvents): RecordDecodeError | undefined {
    if (len < CLOSE.size) return truncated('close', len, CLOSE.size);
    const action = buf[at + CONN.action]!;
    if (action !== ACTION.connect && action !== ACTION.accept) return bad('bad_field', `close of a connection started by action ${action}`);
    const ev = this.connection(buf, dv, at, action);
    if (typeof ev === 'string') return bad('bad_field', ev);
    ev.action = 'connection_closed';
    ev.outcome = 'success';
    const err = dv.getInt32(at + CONN.err, true);
    if (err > 0) ev.errno = err;
    ev.end = {
      durationNs: Math.max(0, u64(dv, at + HEADER.tsNs) - u64(dv, at + CLOSE.startNs)),
      bytesOut: u64(dv, at + CLOSE.bytesOut),
      bytesIn: u64(dv, at + CLOSE.bytesIn),
      packetsOut: dv.getUint32(at + CLOSE.segsOut, true),
      packetsIn: dv.getUint32(at + CLOSE.segsIn, true),
    };
    out.connection(ev);
    return undefined;
  }

  /** The event of a connection record whose action is known good, or what is wrong with it. */
  private connection(buf: Uint8Array, dv: DataView, at: number, action: number): Building<ConnectionEvent> | string {
    const protocol = buf[at + CONN.protocol]!;
    if (protocol !== 6 && protocol !== 17) return `unknown protocol ${protocol}`;
    const af = buf[at + CONN.family]!;
    if (af !== AF_INET && af !== AF_INET6) return `unknown address family ${af}`;
    const ips = this.ips;
    let localIp = ips.text(buf, at + CONN.laddr, af);
    const localFamily = ips.lastFamily;
    let remoteIp = ips.text(buf, at + CONN.raddr, af);
    const remoteFamily = ips.lastFamily;
    const pid = dv.getUint32(at + HEADER.pid, true);
    // A dual-stack socket may pair a wildcard "::" with a v4-mapped peer: report both as IPv4.
    let family = localFamily;
    if (localFamily !== remoteFamily) {
      if (remoteFamily === 'ipv4' && localIp === '::') {
        localIp = '0.0.0.0';
        family = 'ipv4';
      } else if (localFamily === 'ipv4' && remoteIp === '::') {
        remoteIp = '0.0.0.0';
      } else {
        family = remoteFamily;
      }
    }
    const local: Endpoint = { ip: localIp, port: dv.getUint16(at + CONN.lport, true) };
    const remote: Endpoint = { ip: remoteIp, port: dv.getUint16(at + CONN.rport, true) };
    const ok = buf[at + CONN.ok] === 1;
    const ev: Building<ConnectionEvent> = {
      timeUs: this.timeUs(dv, at),
      action: ACTION_NAME[action]!,
      outcome: ok || action !== ACTION.connect ? 'success' : 'failure',
      transport: protocol === 6 ? 'tcp' : 'udp',
      family,
      direction: action === ACTION.connect || action === ACTION.udpSend ? 'egress' : 'ingress',
      local,
      remote,
      process: { pid, name: this.comms.get(buf, at + HEADER.comm), uid: dv.getUint32(at + HEADER.uid, true) },
      tid: dv.getUint32(at + HEADER.tid, true),
      capture: 'ebpf',
      attribution: 'syscall',
    };
    return ev;
  }

  private exec(buf: Uint8Array, dv: DataView, at: number, len: number, out: DecodedEvents): RecordDecodeError | undefined {
    // An exec record ends after its argv bytes (the kernel sends only what it used).
    if (len < EXEC.args) return bad('truncated', `exec record of ${len} bytes, want at least ${EXEC.args}`);
    const pathLen = dv.getUint32(at + EXEC.pathLen, true);
    const argsLen = dv.getUint32(at + EXEC.argsLen, true);
    if (pathLen > PATH_LEN) return bad('bad_field', `exec path length ${pathLen} exceeds ${PATH_LEN}`);
    if (argsLen > ARGS_LEN) return bad('bad_field', `exec args length ${argsLen} exceeds ${ARGS_LEN}`);
    if (EXEC.args + argsLen > len) return bad('truncated', `exec record of ${len} bytes cannot hold ${argsLen} bytes of argv`);
    const cgLo = dv.getUint32(at + EXEC.cgroupId, true);
    const cgHi = dv.getUint32(at + EXEC.cgroupId + 4, true);
    const argv = this.argvs.get(buf, at + EXEC.args, argsLen);
    const pathFlags = dv.getUint32(at + EXEC.pathFlags, true);
    const ev: Building<ProcessEvent> = {
      type: 'exec',
      pid: dv.getUint32(at + HEADER.pid, true),
      ppid: dv.getUint32(at + EXEC.ppid, true),
      uid: dv.getUint32(at + HEADER.uid, true),
      comm: this.execComms.get(buf, at + HEADER.comm),
      executable: this.paths.get(buf, at + EXEC.path, pathLen),
      executableDeleted: (pathFlags & PATH_FLAG.deleted) !== 0,
      executableTruncated: (pathFlags & PATH_FLAG.truncated) !== 0,
      args: argv.args,
      commandLine: argv.commandLine,
      startTicks: u64(dv, at + EXEC.startTicks),
      timeUs: this.timeUs(dv, at),
      cgroupId: cgLo !== 0 || cgHi !== 0 ? u64Text(cgHi, cgLo) : undefined,
    };
    out.process(ev);
    return undefined;
  }
}

/** A u64 (high and low 32 bits) as decimal text, exact: a double would round ids above 2^53. */
function u64Text(hi: number, lo: number): string {
  // Below 2^53 a double holds it exactly (cgroup ids are small counters): no BigInt per exec.
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

const ACTION_NAME: Record<number, ConnectionEvent['action']> = {
  [ACTION.connect]: 'connection_attempted',
  [ACTION.accept]: 'connection_accepted',
  [ACTION.listen]: 'listen',
  [ACTION.udpSend]: 'udp_flow',
  [ACTION.udpRecv]: 'udp_flow',
};

/** A u64 as a double: exact below 2^53 (ns since boot: 104 days; ticks and positions: always). */
function u64(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * TWO_32 + dv.getUint32(at, true);
}

export type DecodedEvent = { connection: ConnectionEvent } | { process: ProcessEvent };

/** One record on its own (tests, tools): the event, or the error kind and text. */
export function decodeOne(
  buf: Uint8Array,
  clock: KernelClock = { offsetUs: 0 },
): { ok: true; event: DecodedEvent } | { ok: false; kind: RecordDecodeErrorKind | 'no_event'; error: string } {
  let event: DecodedEvent | undefined;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const error = new RecordDecoder(clock).decode(buf, dv, 0, buf.length, {
    connection: (connection) => void (event = { connection }),
    process: (process) => void (event = { process }),
  });
  if (error !== undefined) return { ok: false, kind: error.kind, error: error.detail };
  if (!event) return { ok: false, kind: 'no_event', error: 'no event' };
  return { ok: true, event };
}
