// The one rate limit for warnings that can repeat without bound (a record that will not decode,
// a disk that stays full). The first few occurrences are logged as they come, so a new problem
// is visible at once; after that one line in every `every` occurrences and/or one per
// `intervalMs`, each carrying how many were left out since the line before. The counts that
// matter still go to the stats record: this only keeps the log readable.
import type { Logger } from './context';

export type LogLimitOptions = {
  /** Occurrences logged before limiting starts. */
  readonly first: number;
  /** Wall clock in milliseconds; tests pass their own. */
  readonly nowMs?: () => number;
} & ({ readonly every: number; readonly intervalMs?: number } | { readonly every?: number; readonly intervalMs: number });

/** First 10, then at most one a minute: the default for a repeated warning. */
export const REPEATED_WARNING: LogLimitOptions = { first: 10, intervalMs: 60_000 };

export class LogLimit {
  private seen = 0;
  private suppressed = 0;
  private lastLoggedMs = -Infinity;
  private readonly nowMs: () => number;

  constructor(private readonly opts: LogLimitOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /**
   * Counts one occurrence. Returns undefined when it is to stay out of the log, otherwise the
   * number of occurrences left out since the last one let through (0 when none were).
   */
  admit(): number | undefined {
    this.seen++;
    if (!this.lets(this.seen)) {
      this.suppressed++;
      return undefined;
    }
    const left = this.suppressed;
    this.suppressed = 0;
    if (this.opts.intervalMs !== undefined) this.lastLoggedMs = this.nowMs();
    return left;
  }

  /** Logs at `level` when admitted, with `suppressed` added to the fields when some were left out. */
  log(logger: Logger, level: 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.admit();
    if (suppressed === undefined) return;
    logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }

  /** Starts over (the condition ended): the next occurrence is a first one again. */
  reset(): void {
    this.seen = 0;
    this.suppressed = 0;
    this.lastLoggedMs = -Infinity;
  }

  private lets(n: number): boolean {
    const { first, every, intervalMs } = this.opts;
    if (n <= first) return true;
    if (every !== undefined && (n - first) % every === 0) return true;
    return intervalMs !== undefined && this.nowMs() - this.lastLoggedMs >= intervalMs;
  }
}
