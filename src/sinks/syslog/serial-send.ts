// One send at a time, in call order, so resends and batches keep their order on the wire;
// a send that throws answers `retry` for each record instead of rejecting.
import { errorMessage } from '../../core/errors';
import type { AttemptResult } from '../delivery';

export interface SerialSender {
  send(records: string[]): Promise<AttemptResult[]>;
  /** Resolves when every send so far has finished. */
  idle(): Promise<void>;
}

export function serialSender(sendNow: (records: string[]) => Promise<AttemptResult[]>): SerialSender {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    send(records) {
      const run = queue.then(() => sendNow(records));
      queue = run.catch(() => undefined);
      return run.catch((err) => records.map(() => ({ kind: 'retry' as const, reason: errorMessage(err) })));
    },
    idle: () => queue.then(() => undefined),
  };
}
