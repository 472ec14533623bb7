// Time renderings shared by the formats.

/** ISO 8601 UTC with microseconds: 2026-11-26T15:20:27.123456Z */
export function isoMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  // Records come in bursts within one millisecond: reuse the date text of the last one.
  if (ms !== lastMs) {
    lastMs = ms;
    lastMsText = new Date(ms).toISOString().slice(0, 23);
  }
  return lastMsText + String(Math.floor(timeUs) % 1000).padStart(3, '0') + 'Z';
}

let lastMs = NaN;
let lastMsText = '';

/** ISO 8601 UTC to the second, as the original line had it: 2018-09-08T11:25:19Z */
export function isoSeconds(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 19) + 'Z';
}
