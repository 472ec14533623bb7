// Realistic ConnectionEvents for the syslog tests, including hostile process data.
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { FormatEnv } from '../../../src/format/ecs';

export const ENV: FormatEnv = {
  host: { name: 'sensor-01.example.test', ip: '192.0.2.10', ips: ['192.0.2.10', '2001:db8::10'], id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', bootTimeMs: 1_764_000_000_000 },
  agentVersion: '0.1.0',
};

/** A curl-like egress TCP connect; `n` numbers it (in the pid, port and command line). */
export function curlEvent(n = 1, over: Partial<ConnectionEvent['process']> = {}): ConnectionEvent {
  return {
    timeUs: 1_764_170_427_123_456 + n,
    action: 'connection_attempted',
    outcome: 'success',
    transport: 'tcp',
    family: 'ipv4',
    direction: 'egress',
    local: { ip: '192.0.2.10', port: 40000 + (n % 20000) },
    remote: { ip: '93.184.216.34', port: 443 },
    tid: 4242 + n,
    capture: 'ebpf',
    attribution: 'syscall',
    process: {
      pid: 4242 + n,
      name: 'curl',
      executable: '/usr/bin/curl',
      commandLine: `curl -sS https://example.com/?n=${n}`,
      args: ['curl', '-sS', `https://example.com/?n=${n}`],
      startMs: 1_764_170_427_000,
      entityId: 'Zm9vYmFyYmF6',
      parent: { pid: 1000, name: 'bash', executable: '/usr/bin/bash' },
      uid: 1000,
      userName: 'alice',
      ...over,
    },
  };
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
