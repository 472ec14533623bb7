// Time renderings shared by the formats.

/**
 * The text of one second, "2026-11-26T15:20:27.", of the last second asked for. Records at
 * 1,000-10,000 a second rarely share a millisecond but nearly always a second: with this,
 * Date#toISOString (about 1 µs) runs once a second instead of once a record.
 */
export class SecondText {
  private sec = NaN;
  private text: string | undefined;

  /** For epoch second sec; undefined outside years 0000-9999 (toISOString's 6-digit years). */
  get(sec: number): string | undefined {
    if (sec !== this.sec) {
      const iso = new Date(sec * 1000).toISOString();
      this.sec = sec;
      this.text = iso.length === 24 ? iso.slice(0, 20) : undefined;
    }
    return this.text;
  }
}

/** "000" to "999". */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * isoMicros and isoMillis with the text of the last second kept, one per formatter. Separate
 * seconds: isoMillis renders process start times, often far from the event times.
 */
export class IsoTimestamps {
  private readonly microsSecond = new SecondText();
  private readonly millisSecond = new SecondText();

  micros(timeUs: number): string {
    return isoMicrosWith(this.microsSecond, timeUs);
  }

  millis(ms: number): string {
    return isoMillisWith(this.millisSecond, ms);
  }
}

/** ISO 8601 UTC with microseconds: 2026-11-26T15:20:27.123456Z (nothing kept: IsoTimestamps for a stream of records). */
export function isoMicros(timeUs: number): string {
  return isoMicrosWith(undefined, timeUs);
}

/** Date#toISOString of epoch milliseconds ms (2026-11-26T15:20:27.123Z). */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

function isoMicrosWith(second: SecondText | undefined, timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const us = Math.floor(timeUs) % 1000;
  const usText = DIGITS3[us] ?? String(us).padStart(3, '0');
  // ms is an integer: within years 0000-9999, ms - sec * 1000 is exactly 0..999.
  const sec = Math.floor(ms / 1000);
  const head = second?.get(sec);
  if (head === undefined) return `${new Date(ms).toISOString().slice(0, 23) + usText}Z`;
  return `${head + DIGITS3[ms - sec * 1000]! + usText}Z`;
}

function isoMillisWith(second: SecondText, ms: number): string {
  const sec = Math.floor(ms / 1000);
  const head = Number.isInteger(ms) ? second.get(sec) : undefined;
  if (head === undefined) return new Date(ms).toISOString();
  return `${head + DIGITS3[ms - sec * 1000]!}Z`;
}

/** ISO 8601 UTC to the second, as the original line had it: 2018-09-08T11:25:19Z */
export function isoSeconds(timeUs: number): string {
  return `${new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 19)}Z`;
}
