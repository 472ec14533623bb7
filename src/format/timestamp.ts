// Time renderings shared by the formats.

/** ISO 8601 UTC with microseconds: 2026-11-26T15:20:27.123456Z */
export function isoMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const micros = String(Math.floor(timeUs) % 1000).padStart(3, '0');
  return new Date(ms).toISOString().slice(0, 23) + micros + 'Z';
}

/** ISO 8601 UTC to the second, as the original line had it: 2018-09-08T11:25:19Z */
export function isoSeconds(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 19) + 'Z';
}
