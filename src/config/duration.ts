// Durations and sizes as the config file and the flags write them: "500ms", "10s", "10m",
// "24h", "30d", "2w" or a number of milliseconds; "64MiB", "2GiB", "500MB" or a number of bytes.
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** Milliseconds of "30d", "12h", "500ms" (a bare number is milliseconds); undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] ?? 'ms']! : undefined;
}

/** Bytes of "2GiB", "500MB" (a bare number is bytes); undefined when malformed. */
function parseBytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  return m ? Math.floor(Number(m[1]) * UNIT_BYTES[(m[2] ?? 'b').toLowerCase()]!) : undefined;
}

/** A duration in milliseconds. */
export const duration = z
  .union([z.number().positive(), z.string().regex(DURATION, 'a duration such as 500ms, 1s, 10m, 24h or 30d')])
  .transform((v) => (typeof v === 'number' ? v : parseDurationMs(v)!));

/** A size in bytes. */
export const byteSize = z
  .union([z.number().int().positive(), z.string().regex(SIZE, 'a size such as 64MiB or 1GB')])
  .transform((v) => (typeof v === 'number' ? v : parseBytes(v)!));
