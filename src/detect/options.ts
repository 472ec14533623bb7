// What the detectors are tuned by, in microseconds of event time (never the wall clock, so
// the live path and `hunt` over the store agree), and the defaults the config falls back to.

/** An exception: a connection matching every field given here raises no alert. */
export interface AllowRule {
  /** An address block such as 10.0.0.0/8 or fd00::/8 (a bare address is a /32 or /128). */
  readonly cidr?: string | undefined;
  /** The remote port (the local port for a listener or an accepted connection). */
  readonly port?: number | undefined;
  /** A glob over the executable path (`*` any run of characters, `?` one). */
  readonly exe?: string | undefined;
}

export interface HandoffOptions {
  /** How long after A exits a different executable reaching the same address is a hand-off. */
  readonly windowUs: number;
  /** Distinct executables within commonWindowUs that make an address common (at least 3). */
  readonly commonThreshold: number;
  readonly commonWindowUs: number;
  /**
   * Quiet time from the first activity the engine sees: a freshly started engine knows no
   * address as common yet, so the first programs to share a resolver would look like hand-offs.
   */
  readonly warmUpUs: number;
}

export interface FirstSeenOptions {
  /** Quiet time from the earliest known activity while the baseline is learnt. */
  readonly learnForUs: number;
}

export interface BeaconOptions {
  /** Regular intervals needed before an alert. */
  readonly minCount: number;
  /** Largest coefficient of variation (standard deviation / mean) of those intervals. */
  readonly maxJitter: number;
  /** Connects closer than this to the previous one belong to the same contact (a burst). */
  readonly burstGapUs: number;
  /**
   * Shortest mean interval that counts: a busy program reaching a server many times a second
   * is traffic, not a check-in, and merging its bursts can make it look regular.
   */
  readonly minPeriodUs: number;
}

export interface DetectOptions {
  readonly handoff: HandoffOptions;
  readonly firstSeen: FirstSeenOptions;
  readonly beacon: BeaconOptions;
  readonly allow: readonly AllowRule[];
  /** Cap on the entries of each detector table; the oldest go first and are counted. */
  readonly maxKeys: number;
}

const MINUTE_US = 60_000_000;

export const DEFAULT_DETECT_OPTIONS: DetectOptions = {
  handoff: { windowUs: 10 * MINUTE_US, commonThreshold: 3, commonWindowUs: 60 * MINUTE_US, warmUpUs: 5 * MINUTE_US },
  firstSeen: { learnForUs: 24 * 60 * MINUTE_US },
  beacon: { minCount: 8, maxJitter: 0.1, burstGapUs: 100_000, minPeriodUs: 500_000 },
  allow: [],
  maxKeys: 65_536,
};
