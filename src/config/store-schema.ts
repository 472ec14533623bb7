// The `store:` section of the configuration: where the embedded SQLite store lives, whether
// it records, and how long and how large it may grow. Ages take days and weeks (30d, 2w) as
// well as the shorter units; sizes take the binary and decimal units (2GiB, 500MB).
import { z } from 'zod';

const AGE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;
const AGE_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** Milliseconds of "30d", "12h", "2w"; undefined when the text is none of these. */
export function parseAge(text: string): number | undefined {
  const m = AGE.exec(text.trim());
  return m ? Number(m[1]) * AGE_MS[m[2] ?? 'ms']! : undefined;
}

/** Bytes of "2GiB", "500MB"; undefined when the text is none of these. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  return m ? Math.floor(Number(m[1]) * SIZE_BYTES[(m[2] ?? 'b').toLowerCase()]!) : undefined;
}

/** 0 turns the limit off. */
const age = z.union([z.number().nonnegative(), z.string().regex(AGE, 'an age such as 30d, 12h or 2w')]).transform((v) => (typeof v === 'number' ? v : parseAge(v)!));
const size = z.union([z.number().int().nonnegative(), z.string().regex(SIZE, 'a size such as 2GiB or 500MB')]).transform((v) => (typeof v === 'number' ? v : parseSize(v)!));

/** 30 days and 2 GiB. */
export const DEFAULT_STORE_RETENTION = { maxAge: 30 * 86_400_000, maxSize: 2 * 1024 ** 3 } as const;

export const storeSection = z
  .strictObject({
    /** The SQLite file; the state directory's packettrail.db when absent. */
    path: z.string().min(1).optional(),
    /** Absent: on when no other sink is named (or a path is given), off otherwise. */
    enabled: z.boolean().optional(),
    retention: z
      .strictObject({ maxAge: age.default(DEFAULT_STORE_RETENTION.maxAge), maxSize: size.default(DEFAULT_STORE_RETENTION.maxSize) })
      .default(DEFAULT_STORE_RETENTION),
  })
  .default({ retention: DEFAULT_STORE_RETENTION });

export type StoreConfig = z.output<typeof storeSection>;
