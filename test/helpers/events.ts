// The ConnectionEvents and format environments the tests and benchmarks share: one curl
// connecting out and one sshd accepting (the format tests' fixed records), numbered variants
// of the curl record for delivery tests (the number travels in the time, pid, tid, port and
// command line, so a receiver can tell which records arrived), and process names that try
// to break a syslog record.
import { withProcess, type ConnectionEvent, type ProcessInfo } from '../../src/core/connection-event';
import { ecsLine } from '../../src/format/ecs';
import type { FormatEnv } from '../../src/format/env';

/** The host of the format tests: a LAN address and a ULA. */
export const env: FormatEnv = {
  host: { name: 'myhost', ip: '192.168.50.129', ips: ['192.168.50.129', 'fd00::129'], id: 'f00dfeedf00dfeedf00dfeedf00dfeed', bootTimeMs: 1_700_000_000_000 },
  agentVersion: '0.1.0',
};

/** The sensor of the syslog and delivery tests, on documentation addresses (RFC 5737, RFC 3849). */
export const ENV: FormatEnv = {
  host: { name: 'sensor-01.example.test', ip: '192.0.2.10', ips: ['192.0.2.10', '2001:db8::10'], id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', bootTimeMs: 1_764_000_000_000 },
  agentVersion: '0.1.0',
};

/** 2025-11-26T15:20:27.123456Z in epoch microseconds. */
export const T_US = Date.UTC(2025, 10, 26, 15, 20, 27, 123) * 1000 + 456;

/** A TCP connect on loopback as a capture tier hands it over: the process known by what `process` holds, the thread its pid. */
export function tierEvent(process: ProcessInfo, over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    timeUs: 1,
    action: 'connection_attempted',
    outcome: 'success',
    transport: 'tcp',
    family: 'ipv4',
    direction: 'egress',
    local: { ip: '127.0.0.1', port: 40000 },
    remote: { ip: '127.0.0.1', port: 8080 },
    process,
    tid: process.pid,
    capture: 'ebpf',
    attribution: 'syscall',
    ...over,
  };
}

/** A UDP flow record (a datagram sent) as a capture tier hands it over; it carries no thread. */
export function udpEvent(process: ProcessInfo, over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return tierEvent(process, { action: 'udp_flow', transport: 'udp', tid: undefined, ...over });
}

/** curl on this host (`env`) connects out to 93.184.216.34:443. */
export function egressEvent(over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  const curl: ProcessInfo = {
    pid: 4242,
    name: 'curl',
    executable: '/usr/bin/curl',
    commandLine: 'curl -s https://example.com/',
    args: ['curl', '-s', 'https://example.com/'],
    startMs: Date.UTC(2025, 10, 26, 15, 20, 26, 0),
    startTicks: 123456,
    entityId: 'ent-4242-abc',
    parent: { pid: 4000, name: 'bash', executable: '/usr/bin/bash', entityId: 'ent-4000-def' },
    uid: 1000,
    userName: 'alice',
  };
  return tierEvent(curl, { timeUs: T_US, local: { ip: '192.168.50.129', port: 50434 }, remote: { ip: '93.184.216.34', port: 443 }, tid: 4243, ...over });
}

/** A DNS query over IPv6 loopback on this host (`env`), made by `process`. */
export function loopbackDnsEvent(process: ProcessInfo): ConnectionEvent {
  return egressEvent({ action: 'udp_flow', transport: 'udp', family: 'ipv6', local: { ip: '::1', port: 40000 }, remote: { ip: '::1', port: 53 }, process });
}

/** sshd on this host (`env`) accepts 10.0.0.7:51000 on port 22. */
export function ingressEvent(over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  // The egress record turned around, without its thread (an accept record carries none here).
  const { tid: _tid, ...tcp } = egressEvent();
  return {
    ...tcp,
    action: 'connection_accepted',
    direction: 'ingress',
    local: { ip: env.host.ip, port: 22 },
    remote: { ip: '10.0.0.7', port: 51000 },
    process: {
      pid: 700,
      name: 'sshd',
      executable: '/usr/sbin/sshd',
      entityId: 'ent-700',
      uid: 0,
      userName: 'root',
      parent: { pid: 1, name: 'systemd', executable: '/usr/lib/systemd/systemd' },
    },
    ...over,
  };
}

/** The curl connect made on the `ENV` sensor, numbered by `n`: pid and tid 4242 + n, port 40000 + n. */
export function curlEvent(n = 1, over: Partial<ProcessInfo> = {}): ConnectionEvent {
  const ev = egressEvent({ timeUs: T_US + n, local: { ip: ENV.host.ip, port: 40000 + (n % 20000) }, tid: 4242 + n });
  const url = `https://example.com/?n=${n}`;
  return withProcess(ev, {
    ...ev.process!,
    pid: 4242 + n,
    commandLine: `curl -sS ${url}`,
    args: ['curl', '-sS', url],
    startMs: 1_764_170_427_000,
    entityId: 'Zm9vYmFyYmF6',
    parent: { pid: 1000, name: 'bash', executable: '/usr/bin/bash' },
    ...over,
  });
}

/** Record `i` of a delivery test: it carries `i` as its pid, which `recordNumber` reads back. */
export function numberedEvent(i: number): ConnectionEvent {
  return curlEvent(i, { pid: i });
}

/** The ECS document of an event from the `ENV` sensor. */
export function formatEcs(ev: ConnectionEvent): string {
  return ecsLine(ev, ENV);
}

/** The record number inside an ECS document of a `numberedEvent`. */
export function recordNumber(source: string): number {
  return (JSON.parse(source) as { process: { pid: number } }).process.pid;
}

/** Process names that try to break a syslog record. */
export const HOSTILE_NAMES: string[] = [
  'evil\nname: forged=1',
  'quote"in',
  'back\\slash',
  'close]bracket"] [forged@1 x="y"]',
  'a=b c=d',
  'ctl\x00\x01\x1b[31m\x7f\x85',
  'lone\ud800surrogate',
  'replacement\ufffdchar',
  'ünïcødé 😀 進程',
  '\\x0a literal',
];

/** What a hostile value must read back as: lone surrogates are replaced on the way out. */
export function expectedText(v: string): string {
  return v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
