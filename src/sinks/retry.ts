// The one backoff every sink uses: exponential with full jitter, so many
// sensors that lost the same receiver do not come back in lockstep.

export interface BackoffOptions {
  /** Delay ceiling of the first retry, ms. */
  baseMs: number;
  /** Largest delay ever returned, ms. */
  maxMs: number;
  /** Growth of the ceiling per attempt. */
  factor: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 250, maxMs: 30_000, factor: 2 };

/**
 * Delay before retry number `attempt` (1 = first retry): uniform in [0, min(max, base·factorⁿ⁻¹)].
 * `random` returns [0, 1), injectable so tests can pin it.
 */
export function nextDelayMs(attempt: number, opts: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  // Cap the exponent so factor^n never overflows to Infinity on a long outage.
  const ceiling = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.min(n - 1, 64));
  return Math.floor(random() * Math.max(0, ceiling));
}

/** Attempt counter around nextDelayMs: next() after a failure, reset() after a success. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions = defaultBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay for the next retry; a server's own hint (Retry-After) wins, capped at maxMs. */
  next(hintMs?: number): number {
    this.attempt++;
    const jittered = nextDelayMs(this.attempt, this.opts, this.random);
    if (hintMs !== undefined && hintMs > 0) return Math.min(this.opts.maxMs, Math.max(hintMs, jittered));
    return jittered;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
