// Who this host is: name, primary address (the seed line's HOST_IP), machine id, boot time.
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { createHash } from 'node:crypto';
import type { HostInfo } from '../core/context';
import { readBootTimeMs } from './proc-files';

export function detectHostInfo(): HostInfo {
  const ips: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80')) ips.push(a.address);
  }
  const v4 = ips.find((ip) => !ip.includes(':'));
  return {
    name: hostname(),
    ip: v4 ?? ips[0] ?? '127.0.0.1',
    ips,
    id: machineId(),
    bootTimeMs: bootTimeMs(),
  };
}

function machineId(): string {
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(f, 'utf8').trim();
      if (id) return id;
    } catch {
      // try the next one
    }
  }
  // No machine id (minimal containers): derive one from the host name so it is at least stable.
  return createHash('sha256').update(hostname()).digest('hex').slice(0, 32);
}

function bootTimeMs(): number {
  // Without /proc (not Linux) the process start stands in: times stay ordered and near.
  return readBootTimeMs() ?? Date.now() - Math.round(performance.now());
}
