// The record's enumerations as the small integers the store keeps (one byte or none on disk:
// SQLite stores 0 and 1 in the record header alone). The order of each list is the on-disk
// encoding: append, never reorder.
import type { Attribution, CaptureTier, ConnectionAction, Direction, Outcome, Transport } from '../../core/connection-event';
import type { RuleName } from '../../core/alert';

export const ACTIONS: readonly ConnectionAction[] = ['connection_attempted', 'connection_accepted', 'udp_flow', 'listen', 'connection_closed'];
export const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'unknown'];
export const TRANSPORTS: readonly Transport[] = ['tcp', 'udp'];
export const DIRECTIONS: readonly Direction[] = ['egress', 'ingress'];
export const CAPTURES: readonly CaptureTier[] = ['ebpf', 'tracefs', 'poll', 'lsof', 'windows'];
export const ATTRIBUTIONS: readonly Attribution[] = ['syscall', 'socket-owner', 'inferred', 'unknown'];
export const RULES: readonly RuleName[] = ['handoff', 'first_seen', 'new_listener', 'beacon'];

/** The code of `value` in `list`; -1 when the list does not know it. */
export function codeOf<T>(list: readonly T[], value: T): number {
  return list.indexOf(value);
}

/** The value of `code`, or `fallback` for a code this build does not know. */
export function fromCode<T>(list: readonly T[], code: number, fallback: T): T {
  return list[code] ?? fallback;
}
