// Kernel records that did not decode: counted by kind for the stats record (a count that can
// grow without bound belongs there) and logged under the one rate limit, each line with the
// error as `err` so a format change on a new kernel is visible without flooding the log.
import type { Logger } from '../core/context';
import { PtError } from '../core/errors';
import { LogLimit, REPEATED_WARNING, type LogLimitOptions } from '../core/log-limit';

export class DecodeErrorCounts {
  private readonly byKind: Record<string, number> = {};
  private readonly limit: LogLimit;

  constructor(
    private readonly log: Logger,
    limit: LogLimitOptions = REPEATED_WARNING,
  ) {
    this.limit = new LogLimit(limit);
  }

  /** Counts one record of `kind`; `fields` (the record, shortened) go into the log line only. */
  note(kind: string, detail: string, fields?: Record<string, unknown>): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    // The Error (and its stack) is built only for a line that is logged: a flood stays cheap.
    const suppressed = this.limit.admit();
    if (suppressed === undefined) return;
    const err = new PtError('E_DECODE', detail);
    this.log.warn(suppressed > 0 ? { ...fields, kind, err, suppressed } : { ...fields, kind, err }, 'record did not decode');
  }

  /** A copy of the counts by kind (kinds never seen are absent). */
  counts(): Record<string, number> {
    return { ...this.byKind };
  }
}
