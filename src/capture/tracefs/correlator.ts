// Turns decoded trace records into ConnectionEvents and ProcessEvents.
//
// Who made a connection is taken only where the kernel runs in that task's context:
// - connect: CLOSE→SYN_SENT fires inside connect(); its task owns the socket. Later transitions
//   (ESTABLISHED in softirq, on whatever task was on the CPU) are joined by the skaddr socket
//   pointer, never by the task they report. → attribution 'syscall'.
// - listen: CLOSE→LISTEN fires inside listen(). → 'syscall'.
// - accept: the child socket becomes ESTABLISHED in softirq; accept() returns only an fd. The
//   accept is matched to the oldest pending connection on a listener the process owns (learnt
//   from listen(), inherited through fork, or read from /proc/PID/fd). → 'inferred'.
// - UDP: fib_table_lookup for protocol 17 fires in the sending task during connect()/sendto().
//   It gives the remote end and local port; the local address is often still unset. → 'syscall'.
// - fork: task_newtask fires in the forking task before the child can run, so the fork event
//   precedes anything the child does; threads (CLONE_THREAD) are not forks.
import type { ConnectionEvent, Endpoint, IpFamily, ProcessInfo, Attribution } from '../../core/connection-event';
import type { Building } from '../../core/building';
import type { ProcessEvent } from '../../core/stages';
import type { TraceLine } from './trace-line';
import { v4MappedFromText } from '../../core/ip-text';
import { TCP_STATE } from '../../core/tcp-state';
import type { StateRecord, TraceRecord, UdpRouteRecord } from './decode';
import { commFromExecFilename, type ProcInfo } from './proc-info';
import { execPathOf } from './exec-path';
import { AF_INET, AF_INET6, IPPROTO_TCP } from '../../core/kernel-constants';
import { setBounded } from '../../core/set-bounded';

export interface Decoded {
  line: TraceLine;
  rec: TraceRecord;
}

export interface CorrelatorOptions {
  proc: ProcInfo;
  ignorePid?: number | undefined;
  /** A UDP (process, local port, remote) is reported again after this long. Default 60 s. */
  udpReemitUs?: number | undefined;
  /** Trace clock (CLOCK_MONOTONIC µs) to epoch µs. */
  toEpochUs(monoUs: number): number;
  nowMonoUs(): number;
  connection(ev: ConnectionEvent): void;
  process(ev: ProcessEvent): void;
}

/** An accepted connection nobody accept()ed within this is reported with the listener's owner. */
const ACCEPT_WAIT_US = 2_000_000;
/** A SYN_SENT with no answer is reported as outcome unknown after this. */
const CONNECT_WAIT_US = 130_000_000;
/** One UDP record per (process, local port, remote) at most this often; the pipeline makes flows. */
const UDP_REEMIT_US = 60_000_000;
const V6_MATCH_US = 5_000;
const MAX_ENTRIES = 65536;

interface Outgoing {
  tsUs: number;
  family: number;
  process?: ProcessInfo;
  tid?: number;
  attribution: Attribution;
}
interface PendingAccept {
  skaddr: string;
  tsUs: number;
  family: IpFamily;
  local: Endpoint;
  remote: Endpoint;
  portKey: string;
  closedTsUs?: number;
}
interface Listener {
  tgid: number;
  process: ProcessInfo;
}

function boundedSet<K, V>(m: Map<K, V>, k: K, v: V): void {
  setBounded(m, k, v, MAX_ENTRIES);
}

/** v4-mapped IPv6 (::ffff:a.b.c.d) is an IPv4 connection on a dual-stack socket: report it so. */
function normalise(family: IpFamily, ip: string): { family: IpFamily; ip: string } {
  const mapped = family === 'ipv6' ? v4MappedFromText(ip) : undefined;
  return mapped === undefined ? { family, ip } : { family: 'ipv4', ip: mapped };
}

export class TracefsCorrelator {
  private readonly queue: Array<{ d: Decoded; tick: number }> = [];
  private readonly v6 = new Map<string, Array<{ tsUs: number; saddr: string; daddr: string }>>();
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly established = new Map<string, ConnectionEvent>();
  private readonly pending: PendingAccept[] = [];
  private readonly listeners = new Map<string, Listener>();
  private readonly parentOf = new Map<number, number>();
  private readonly acceptFd = new Map<number, number>();
  private readonly fdPort = new Map<string, string | null>();
  private readonly udpBatch = new Map<string, Building<ConnectionEvent>>();
  private readonly udpLast = new Map<string, number>();
  private toForget: number[] = [];
  private tick = 0;

  constructor(private readonly o: CorrelatorOptions) {}

  addMain(items: Decoded[]): void {
    for (const d of items) this.queue.push({ d, tick: this.tick });
  }

  addV6(items: Decoded[]): void {
    for (const { line, rec } of items) {
      if (rec.kind === 'state6') {
        const key = `${line.tid}|${rec.sport}|${rec.dport}|${rec.oldstate}|${rec.newstate}`;
        const list = this.v6.get(key) ?? [];
        list.push({ tsUs: line.tsUs, saddr: rec.saddr, daddr: rec.daddr });
        boundedSet(this.v6, key, list);
      } else if (rec.kind === 'udp-route') {
        this.onUdp(line, rec);
      }
    }
  }

  /**
   * Process what has been added. An IPv6 transition waits one round for its addresses from the
   * companion instance (read after the main one); `final` processes everything.
   */
  run(final = false): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const { line, rec } = head.d;
      let v6: { saddr: string; daddr: string } | undefined;
      if (rec.kind === 'state' && rec.family === AF_INET6) {
        v6 = this.takeV6(line, rec);
        if (!v6 && head.tick === this.tick && !final) break;
      }
      this.queue.shift();
      this.handle(line, rec, v6);
    }
    this.flushUdp();
    this.expire();
    for (const pid of this.toForget) this.o.proc.forget(pid);
    this.toForget = [];
    this.tick++;
  }

  private takeV6(line: TraceLine, rec: StateRecord): { saddr: string; daddr: string } | undefined {
    const key = `${line.tid}|${rec.sport}|${rec.dport}|${rec.oldstate}|${rec.newstate}`;
    const list = this.v6.get(key);
    if (!list) return undefined;
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      const diff = Math.abs(list[i]!.tsUs - line.tsUs);
      if (diff <= V6_MATCH_US && (best < 0 || diff < Math.abs(list[best]!.tsUs - line.tsUs))) best = i;
    }
    if (best < 0) return undefined;
    const [hit] = list.splice(best, 1);
    if (list.length === 0) this.v6.delete(key);
    return hit;
  }

  private handle(line: TraceLine, rec: TraceRecord, v6?: { saddr: string; daddr: string }): void {
    switch (rec.kind) {
      case 'state':
        if (rec.protocol === IPPROTO_TCP && (rec.family === AF_INET || rec.family === AF_INET6)) this.onState(line, rec, v6);
        return;
      case 'udp-route':
        this.onUdp(line, rec);
        return;
      case 'accept-enter':
        if (!line.interrupt) boundedSet(this.acceptFd, line.tid, rec.fd);
        return;
      case 'accept-exit':
        this.onAccept(line, rec.ret);
        return;
      case 'newtask':
        if (!rec.thread) this.onFork(line, rec.pid, rec.cloneParent);
        return;
      case 'exec':
        this.onExec(line, rec.pid, rec.filename);
        return;
      case 'exit':
        if (rec.groupDead) {
          const pid = line.tgid ?? rec.pid;
          if (pid === this.o.ignorePid) return;
          this.o.process({ type: 'exit', pid, timeUs: this.o.toEpochUs(line.tsUs) });
          this.toForget.push(pid);
        }
        return;
      case 'state6':
        return;
    }
  }

  private tgidOf(line: TraceLine): number {
    return line.tgid ?? line.tid;
  }

  private processOf(line: TraceLine): ProcessInfo {
    const pid = this.tgidOf(line);
    const headerComm = line.tid === pid && line.comm !== '<...>' ? line.comm : '';
    const name = this.o.proc.comm(pid) ?? headerComm;
    const uid = this.o.proc.uid(pid);
    return uid === undefined ? { pid, name } : { pid, name, uid };
  }

  private ignored(line: TraceLine): boolean {
    return this.o.ignorePid !== undefined && this.tgidOf(line) === this.o.ignorePid;
  }

  private endpoints(rec: StateRecord, v6?: { saddr: string; daddr: string }): { family: IpFamily; local: Endpoint; remote: Endpoint } {
    if (rec.family === AF_INET) {
      return { family: 'ipv4', local: { ip: rec.saddr, port: rec.sport }, remote: { ip: rec.daddr, port: rec.dport } };
    }
    const s = normalise('ipv6', v6?.saddr ?? '::');
    const d = normalise('ipv6', v6?.daddr ?? '::');
    return { family: s.family === d.family ? s.family : 'ipv6', local: { ip: s.ip, port: rec.sport }, remote: { ip: d.ip, port: rec.dport } };
  }

  private onState(line: TraceLine, rec: StateRecord, v6?: { saddr: string; daddr: string }): void {
    const { oldstate, newstate, skaddr } = rec;
    const timeUs = this.o.toEpochUs(line.tsUs);
    if (newstate === TCP_STATE.SYN_SENT) {
      // Inside connect(): the current task is the one connecting.
      const out: Outgoing = line.interrupt
        ? { tsUs: line.tsUs, family: rec.family, attribution: 'unknown' }
        : { tsUs: line.tsUs, family: rec.family, process: this.processOf(line), tid: line.tid, attribution: 'syscall' };
      if (!line.interrupt && this.ignored(line)) return;
      boundedSet(this.outgoing, skaddr, out);
      return;
    }
    if (oldstate === TCP_STATE.SYN_SENT) {
      const out = this.outgoing.get(skaddr);
      this.outgoing.delete(skaddr);
      if (!out) return; // not seen from its start (ours, ignored, or before capture began)
      const ep = this.endpoints(rec, v6);
      const ok = newstate === TCP_STATE.ESTABLISHED;
      const ev = this.event(timeUs, 'connection_attempted', ok ? 'success' : 'failure', ep, 'egress', out);
      this.emit(ev);
      if (ok) boundedSet(this.established, skaddr, ev);
      return;
    }
    if (newstate === TCP_STATE.LISTEN) {
      if (line.interrupt || this.ignored(line)) return;
      const ep = this.endpoints(rec, v6);
      const process = this.processOf(line);
      boundedSet(this.listeners, `${rec.family}|${rec.sport}`, { tgid: process.pid, process });
      this.emit({
        timeUs,
        action: 'listen',
        outcome: 'success',
        transport: 'tcp',
        family: ep.family,
        direction: 'ingress',
        local: ep.local,
        remote: { ip: ep.family === 'ipv4' ? '0.0.0.0' : '::', port: 0 },
        process,
        tid: line.tid,
        capture: 'tracefs',
        attribution: 'syscall',
      });
      return;
    }
    if (oldstate === TCP_STATE.LISTEN) {
      if (newstate === TCP_STATE.CLOSE) this.listeners.delete(`${rec.family}|${rec.sport}`);
      return;
    }
    if (oldstate === TCP_STATE.SYN_RECV && newstate === TCP_STATE.ESTABLISHED) {
      const ep = this.endpoints(rec, v6);
      if (this.pending.length >= MAX_ENTRIES) this.expireAccept(this.pending.shift()!);
      this.pending.push({ skaddr, tsUs: line.tsUs, family: ep.family, local: ep.local, remote: ep.remote, portKey: `${rec.family}|${rec.sport}` });
      return;
    }
    if (newstate === TCP_STATE.CLOSE) {
      const est = this.established.get(skaddr);
      if (est) {
        this.established.delete(skaddr);
        this.emit({ ...est, timeUs, action: 'connection_closed', outcome: 'success' });
        return;
      }
      const p = this.pending.find((x) => x.skaddr === skaddr);
      if (p) p.closedTsUs = line.tsUs;
    }
  }

  private event(
    timeUs: number,
    action: ConnectionEvent['action'],
    outcome: ConnectionEvent['outcome'],
    ep: { family: IpFamily; local: Endpoint; remote: Endpoint },
    direction: ConnectionEvent['direction'],
    who: { process?: ProcessInfo | undefined; tid?: number | undefined; attribution: Attribution },
  ): ConnectionEvent {
    const ev: Building<ConnectionEvent> = {
      timeUs,
      action,
      outcome,
      transport: 'tcp',
      family: ep.family,
      direction,
      local: ep.local,
      remote: ep.remote,
      capture: 'tracefs',
      attribution: who.process ? who.attribution : 'unknown',
    };
    if (who.process) ev.process = who.process;
    if (who.tid !== undefined) ev.tid = who.tid;
    return ev;
  }

  private portsOwnedBy(tgid: number): Set<string> {
    const owners = new Set<number>();
    let p: number | undefined = tgid;
    for (let i = 0; i < 8 && p !== undefined && p > 1; i++) {
      owners.add(p);
      p = this.parentOf.get(p);
    }
    const ports = new Set<string>();
    for (const [key, l] of this.listeners) if (owners.has(l.tgid)) ports.add(key);
    return ports;
  }

  private onAccept(line: TraceLine, ret: number): void {
    const fd = this.acceptFd.get(line.tid);
    this.acceptFd.delete(line.tid);
    if (ret < 0 || line.interrupt || this.pending.length === 0) return;
    const tgid = this.tgidOf(line);
    const fdKey = fd === undefined ? undefined : `${tgid}|${fd}`;
    let ports = this.portsOwnedBy(tgid);
    const cached = fdKey === undefined ? undefined : this.fdPort.get(fdKey);
    if (cached) ports.add(cached);
    let i = this.pending.findIndex((p) => ports.has(p.portKey));
    if (i < 0 && fd !== undefined && cached === undefined) {
      // A listener we did not see created (inherited, or older than the capture): ask /proc.
      const lp = this.o.proc.listenPortOfFd(tgid, fd);
      const key = lp ? `${lp.family === 'ipv4' ? AF_INET : AF_INET6}|${lp.port}` : null;
      boundedSet(this.fdPort, fdKey!, key);
      if (key) {
        ports = new Set([key]);
        i = this.pending.findIndex((p) => ports.has(p.portKey));
      }
    }
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    if (this.ignored(line)) return;
    const ev = this.event(this.o.toEpochUs(p!.tsUs), 'connection_accepted', 'success', p!, 'ingress', {
      process: this.processOf(line),
      tid: line.tid,
      attribution: 'inferred',
    });
    this.emitAccepted(p!, ev);
  }

  private emitAccepted(p: PendingAccept, ev: ConnectionEvent): void {
    this.emit(ev);
    if (p.closedTsUs !== undefined) {
      this.emit({ ...ev, timeUs: this.o.toEpochUs(p.closedTsUs), action: 'connection_closed' });
    } else {
      boundedSet(this.established, p.skaddr, ev);
    }
  }

  private expireAccept(p: PendingAccept): void {
    const l = this.listeners.get(p.portKey);
    if (l && this.o.ignorePid !== undefined && l.tgid === this.o.ignorePid) return;
    const ev = this.event(this.o.toEpochUs(p.tsUs), 'connection_accepted', 'success', p, 'ingress', {
      process: l?.process,
      attribution: 'inferred',
    });
    this.emitAccepted(p, ev);
  }

  private expire(): void {
    const now = this.o.nowMonoUs();
    while (this.pending.length > 0 && now - this.pending[0]!.tsUs > ACCEPT_WAIT_US) this.expireAccept(this.pending.shift()!);
    for (const [sk, out] of this.outgoing) {
      if (now - out.tsUs <= CONNECT_WAIT_US) break; // insertion order ≈ time order
      this.outgoing.delete(sk);
    }
    for (const [key, list] of this.v6) {
      const fresh = list.filter((x) => now - x.tsUs < 10_000_000);
      if (fresh.length === 0) this.v6.delete(key);
      else if (fresh.length !== list.length) this.v6.set(key, fresh);
    }
  }

  private onUdp(line: TraceLine, rec: UdpRouteRecord): void {
    // Route lookups in softirq are for received packets or forwarding: not a local sender.
    if (line.interrupt || this.ignored(line)) return;
    const tgid = this.tgidOf(line);
    const key = `${tgid}|${rec.family}|${rec.sport}|${rec.dst}|${rec.dport}`;
    const unspecified = rec.src === '0.0.0.0' || rec.src === '::';
    const batched = this.udpBatch.get(key);
    if (batched) {
      if (!unspecified && (batched.local.ip === '0.0.0.0' || batched.local.ip === '::')) batched.local = { ip: rec.src, port: rec.sport };
      return;
    }
    const last = this.udpLast.get(key);
    if (last !== undefined && line.tsUs - last < (this.o.udpReemitUs ?? UDP_REEMIT_US)) return;
    const src = normalise(rec.family, rec.src);
    const dst = normalise(rec.family, rec.dst);
    const ev: Building<ConnectionEvent> = {
      timeUs: this.o.toEpochUs(line.tsUs),
      action: 'udp_flow',
      outcome: rec.err === 0 ? 'unknown' : 'failure',
      transport: 'udp',
      family: dst.family,
      direction: 'egress',
      local: { ip: src.ip, port: rec.sport },
      remote: { ip: dst.ip, port: rec.dport },
      process: this.processOf(line),
      tid: line.tid,
      capture: 'tracefs',
      attribution: 'syscall',
    };
    this.udpBatch.set(key, ev);
    boundedSet(this.udpLast, key, line.tsUs);
  }

  private flushUdp(): void {
    for (const ev of this.udpBatch.values()) this.emit(ev);
    this.udpBatch.clear();
  }

  /** A new process: it runs the parent's program until it execs, so the table needs its parent. */
  private onFork(line: TraceLine, pid: number, cloneParent: boolean): void {
    const caller = this.tgidOf(line);
    boundedSet(this.parentOf, pid, caller);
    this.o.proc.forget(pid);
    if (caller === this.o.ignorePid) return; // the sensor's own fork, like its own sockets
    const ppid = cloneParent ? (this.o.proc.ppid(caller) ?? caller) : caller;
    const ev: Building<ProcessEvent> = { type: 'fork', pid, ppid, timeUs: this.o.toEpochUs(line.tsUs) };
    // One /proc read while the child (or its zombie) is still there; a reused pid or a
    // reparented child shows another ppid, and then the start time is left out.
    const st = this.o.proc.stat(pid);
    if (st && st.ppid === ppid) ev.startTicks = st.startTicks;
    this.o.process(ev);
  }

  private onExec(line: TraceLine, pid: number, filename: string): void {
    this.o.proc.forget(pid);
    if (pid === this.o.ignorePid) return;
    const comm = commFromExecFilename(filename);
    this.o.proc.setComm(pid, comm);
    const { executable, executableDeleted } = execPathOf(pid, filename, this.o.proc);
    const ev: ProcessEvent = {
      type: 'exec',
      pid,
      ppid: this.o.proc.ppid(pid) ?? this.parentOf.get(pid) ?? 0,
      // -1: the process was gone before /proc could be read.
      uid: this.o.proc.uid(pid) ?? -1,
      comm,
      executable,
      executableDeleted,
      args: this.o.proc.cmdline(pid) ?? [],
      timeUs: this.o.toEpochUs(line.tsUs),
    };
    this.o.process(ev);
  }

  private emit(ev: ConnectionEvent): void {
    this.o.connection(ev);
  }
}
