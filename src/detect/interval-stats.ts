// How regular a series of contacts is: the mean interval and its coefficient of variation
// (standard deviation over mean), which is 0 for a clock and about 1 for random arrivals.
export interface IntervalStats {
  readonly count: number;
  readonly meanUs: number;
  readonly cv: number;
}

/** Statistics of the gaps between consecutive times (ascending, microseconds); undefined for fewer than two. */
export function intervalStats(timesUs: readonly number[]): IntervalStats | undefined {
  const count = timesUs.length - 1;
  if (count < 1) return undefined;
  const meanUs = (timesUs[count]! - timesUs[0]!) / count;
  if (!(meanUs > 0)) return undefined;
  let squares = 0;
  for (let i = 1; i <= count; i++) {
    const d = timesUs[i]! - timesUs[i - 1]! - meanUs;
    squares += d * d;
  }
  return { count, meanUs, cv: Math.sqrt(squares / count) / meanUs };
}
