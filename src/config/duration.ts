// Durations as the config file and the flags write them: "500ms", "10s", "10m", "24h", "30d",
// or a number of milliseconds.
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in milliseconds. */
export const duration = z.union([z.number().positive(), z.string().regex(DURATION, 'a duration such as 500ms, 1s, 10m, 24h or 30d')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = DURATION.exec(v)!;
  return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
});
