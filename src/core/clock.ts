// The two clocks the sensor reads and the one conversion between them. Kernel timestamps
// (bpf_ktime_get_ns, trace_clock=mono) are CLOCK_MONOTONIC, the clock process.hrtime() reads;
// records carry wall-clock epoch time. Both tiers convert with one offset taken at start.

/** Wall clock, epoch microseconds (fractional). */
export function wallNowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** CLOCK_MONOTONIC, whole microseconds. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** What to add to a CLOCK_MONOTONIC time in microseconds to get epoch microseconds, now. */
export function monotonicToWallOffsetUs(): number {
  return wallNowUs() - Number(process.hrtime.bigint()) / 1000;
}
