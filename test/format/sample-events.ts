// Events and a format environment shared by the format tests.
import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { FormatEnv } from '../../src/format/ecs';

export const env: FormatEnv = {
  host: { name: 'myhost', ip: '192.168.50.129', ips: ['192.168.50.129', 'fd00::129'], id: 'f00dfeedf00dfeedf00dfeedf00dfeed', bootTimeMs: 1_700_000_000_000 },
  agentVersion: '0.1.0',
};

/** 2025-11-26T15:20:27.123456Z in epoch microseconds. */
export const T_US = Date.UTC(2025, 10, 26, 15, 20, 27, 123) * 1000 + 456;

/** curl on this host connects out to 93.184.216.34:443. */
export function egressEvent(over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    timeUs: T_US,
    action: 'connection_attempted',
    outcome: 'success',
    transport: 'tcp',
    family: 'ipv4',
    direction: 'egress',
    local: { ip: '192.168.50.129', port: 50434 },
    remote: { ip: '93.184.216.34', port: 443 },
    process: {
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
    },
    tid: 4243,
    capture: 'ebpf',
    attribution: 'syscall',
    ...over,
  };
}

/** sshd on this host accepts 10.0.0.7:51000 on port 22. */
export function ingressEvent(over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    timeUs: T_US,
    action: 'connection_accepted',
    outcome: 'success',
    transport: 'tcp',
    family: 'ipv4',
    direction: 'ingress',
    local: { ip: '192.168.50.129', port: 22 },
    remote: { ip: '10.0.0.7', port: 51000 },
    process: { pid: 700, name: 'sshd', executable: '/usr/sbin/sshd', entityId: 'ent-700', uid: 0, userName: 'root', parent: { pid: 1, name: 'systemd', executable: '/usr/lib/systemd/systemd' } },
    capture: 'ebpf',
    attribution: 'syscall',
    ...over,
  };
}

/** The folder holding package.json: tests run from test/ (tsx) and from dist/test/ (tsc). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}
