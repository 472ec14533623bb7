// A detector's finding. It travels as a ConnectionEvent with `alert` set: the event's own
// fields are the connection that completed the finding (its process is the one that acted
// last, its remote end the address the finding is about), so every formatter and sink
// renders an alert with the code it already has for the connection, plus these fields.
import type { ProcessInfo } from './process-info';

export const RULE_NAMES = ['handoff', 'first_seen', 'new_listener', 'beacon'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export interface PreviousProcess {
  readonly process: ProcessInfo;
  /** When the earlier process exited, epoch microseconds. */
  readonly endUs?: number | undefined;
}

export interface Alert {
  readonly rule: RuleName;
  readonly description: string;
  /** One readable sentence: what was seen. */
  readonly reason: string;
  /** ECS event.severity: the rule's fixed number (higher is worse). */
  readonly severity: number;
  /** ECS event.risk_score, 0 to 100. */
  readonly riskScore: number;
  /** Stable id of the finding: the same finding is never raised twice. */
  readonly id: string;
  /** handoff: the process that reached the address first and exited. */
  readonly previous?: PreviousProcess;
  /** beacon: the period in seconds and a regularity score from 0 to 1. */
  readonly beacon?: { readonly periodS: number; readonly score: number; readonly count: number };
}
