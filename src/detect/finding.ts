// What a detector hands the engine: enough to build the alert record, and the key that makes
// the finding the same finding on every run (its alert id).
import type { ConnectionEvent } from '../core/connection-event';
import type { Alert, PreviousProcess, RuleName } from '../core/alert';

export interface Finding {
  readonly rule: RuleName;
  /** Identifies the finding within its rule: the same key is never raised twice. */
  readonly key: string;
  /** The connection that completed the finding. */
  readonly ev: ConnectionEvent;
  readonly reason: string;
  readonly previous?: PreviousProcess;
  readonly beacon?: Alert['beacon'];
}
