// A socket as a snapshot of the kernel's tables reports it, for the tests of what is made of
// snapshot rows (events, the `snapshot` table).
import type { SnapshotEntry } from '../../src/capture/snapshot/snapshot';
import type { ProcessInfo } from '../../src/core/connection-event';

/** curl, pid 42, as root: the owner of `snapshotEntry()`. */
export const curlOwner: ProcessInfo = { pid: 42, name: 'curl', executable: '/usr/bin/curl', uid: 0, userName: 'root' };

/** An established TCP connection from 127.0.0.1:40000 to 127.0.0.1:8080 owned by `curlOwner`. */
export function snapshotEntry(over: Partial<SnapshotEntry> = {}): SnapshotEntry {
  const loopback = { transport: 'tcp', family: 'ipv4', state: 'ESTABLISHED', local: { ip: '127.0.0.1', port: 40000 }, remote: { ip: '127.0.0.1', port: 8080 } } as const;
  return { ...loopback, inode: 1, uid: 0, owners: [curlOwner], ...over };
}
