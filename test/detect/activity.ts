// Activity for the detector tests: connections of named programs at given times (seconds
// from a fixed epoch), and process ends, as the pipeline and the store hand them over.
import type { ConnectionEvent, Direction } from '../../src/core/connection-event';
import type { ActivityItem } from '../../src/core/stages';
import { DEFAULT_DETECT_OPTIONS, type DetectOptions } from '../../src/detect/options';

const T0_US = Date.UTC(2026, 0, 5, 9, 0, 0) * 1000;

export function atS(s: number): number {
  return T0_US + Math.round(s * 1e6);
}

export interface Proc {
  readonly pid: number;
  readonly exe: string;
  readonly entityId?: string;
}

export function proc(pid: number, exe: string, entityId: string | undefined = `ent-${pid}`): Proc {
  return { pid, exe, entityId };
}

export function connect(p: Proc, s: number, remote: string, port = 443, over: Partial<ConnectionEvent> = {}): ActivityItem {
  return { kind: 'connection', ev: connectionEvent(p, s, remote, port, over) };
}

function connectionEvent(p: Proc, s: number, remote: string, port = 443, over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  const direction: Direction = over.direction ?? 'egress';
  return {
    timeUs: atS(s),
    action: 'connection_attempted',
    outcome: 'success',
    transport: 'tcp',
    family: remote.includes(':') ? 'ipv6' : 'ipv4',
    direction,
    local: { ip: '192.0.2.10', port: 40000 + (p.pid % 20000) },
    remote: { ip: remote, port },
    process: { pid: p.pid, name: p.exe.slice(p.exe.lastIndexOf('/') + 1), executable: p.exe, entityId: p.entityId, uid: 1000 },
    capture: 'ebpf',
    attribution: 'syscall',
    ...over,
  };
}

export function accept(p: Proc, s: number, from: string, localPort: number): ActivityItem {
  return connect(p, s, from, 50000 + (s % 10000), { action: 'connection_accepted', direction: 'ingress', local: { ip: '192.0.2.10', port: localPort } });
}

export function listen(p: Proc, s: number, port: number): ActivityItem {
  return connect(p, s, '0.0.0.0', 0, { action: 'listen', outcome: 'success', direction: 'ingress', local: { ip: '0.0.0.0', port } });
}

export function exit(p: Proc, s: number): ActivityItem {
  return { kind: 'process_end', end: { pid: p.pid, entityId: p.entityId ?? '', timeUs: atS(s) } };
}

/** The hand-off defaults without the warm-up, so a story may start at once. */
export const HANDOFF = { ...DEFAULT_DETECT_OPTIONS.handoff, warmUpUs: 0 };

/** The defaults with first-seen learning over in a minute and no hand-off warm-up, so tests reach them quickly. */
export function options(over: Partial<DetectOptions> = {}): DetectOptions {
  return { ...DEFAULT_DETECT_OPTIONS, handoff: HANDOFF, firstSeen: { learnForUs: 60e6 }, ...over };
}

/** Options with only the hand-off detector able to raise (learning never ends, beacons need more than any test has). */
export function handoffOnly(over: Partial<DetectOptions> = {}): DetectOptions {
  return { ...DEFAULT_DETECT_OPTIONS, handoff: HANDOFF, firstSeen: { learnForUs: 1e15 }, beacon: { ...DEFAULT_DETECT_OPTIONS.beacon, minCount: 1000 }, ...over };
}
