// Kernel records -> the pipeline's ConnectionEvent / ProcessEvent. Pure.
import type { ConnectionEvent, Endpoint, IpFamily } from '../../core/connection-event';
import type { ProcessEvent } from '../../core/stages';
import type { ConnRecord, KernelRecord } from './decode-record';

/** Kernel CLOCK_MONOTONIC ns + offsetNs = epoch ns. */
export interface KernelClock {
  offsetNs: bigint;
}

/** Offset between CLOCK_MONOTONIC (bpf_ktime_get_ns, process.hrtime) and the wall clock. */
export function kernelClockNow(): KernelClock {
  const wallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return { offsetNs: wallNs - process.hrtime.bigint() };
}

export function toEpochUs(tsNs: bigint, clock: KernelClock): number {
  return Number((tsNs + clock.offsetNs) / 1000n);
}

export type SourceEvent = { connection: ConnectionEvent } | { process: ProcessEvent };

export function toSourceEvent(rec: KernelRecord, clock: KernelClock): SourceEvent {
  const timeUs = toEpochUs(rec.tsNs, clock);
  switch (rec.kind) {
    case 'conn':
      return { connection: toConnection(rec, timeUs) };
    case 'exec': {
      const ev: ProcessEvent = {
        type: 'exec',
        pid: rec.pid,
        ppid: rec.ppid,
        uid: rec.uid,
        comm: rec.comm,
        executable: rec.executable,
        args: rec.args,
        startTicks: rec.startTicks,
        timeUs,
      };
      if (rec.cgroupId !== undefined) ev.cgroupId = rec.cgroupId;
      return { process: ev };
    }
    case 'fork':
      return { process: { type: 'fork', pid: rec.childPid, ppid: rec.ppid, startTicks: rec.startTicks, timeUs } };
    case 'exit':
      return { process: { type: 'exit', pid: rec.pid, timeUs } };
    case 'rename':
      return { process: { type: 'rename', pid: rec.pid, comm: rec.newComm, timeUs } };
  }
}

function toConnection(rec: ConnRecord, timeUs: number): ConnectionEvent {
  const { family, local, remote } = sameFamily(rec);
  const base = {
    timeUs,
    transport: rec.transport,
    family,
    local,
    remote,
    process: { pid: rec.pid, name: rec.comm, uid: rec.uid },
    tid: rec.tid,
    capture: 'ebpf' as const,
    attribution: 'syscall' as const,
  };
  switch (rec.action) {
    case 'connect': {
      const ev: ConnectionEvent = {
        ...base,
        action: 'connection_attempted',
        outcome: rec.ok ? 'success' : 'failure',
        direction: 'egress',
      };
      if (!rec.ok && rec.err > 0) ev.errno = rec.err;
      return ev;
    }
    case 'accept':
      return { ...base, action: 'connection_accepted', outcome: 'success', direction: 'ingress' };
    case 'listen':
      return { ...base, action: 'listen', outcome: 'success', direction: 'ingress' };
    case 'udp_send':
      return { ...base, action: 'udp_flow', outcome: 'success', direction: 'egress' };
    case 'udp_recv':
      return { ...base, action: 'udp_flow', outcome: 'success', direction: 'ingress' };
  }
}

/** A dual-stack socket may pair a wildcard "::" with a v4-mapped peer: report both as IPv4. */
function sameFamily(rec: ConnRecord): { family: IpFamily; local: Endpoint; remote: Endpoint } {
  let localIp = rec.local.ip;
  let remoteIp = rec.remote.ip;
  let family: IpFamily = rec.local.family;
  if (rec.local.family !== rec.remote.family) {
    if (rec.remote.family === 'ipv4' && localIp === '::') {
      localIp = '0.0.0.0';
      family = 'ipv4';
    } else if (rec.local.family === 'ipv4' && remoteIp === '::') {
      remoteIp = '0.0.0.0';
    } else {
      family = rec.remote.family;
    }
  }
  return {
    family,
    local: { ip: localIp, port: rec.local.port },
    remote: { ip: remoteIp, port: rec.remote.port },
  };
}
