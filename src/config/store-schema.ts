// The `store:` section of the configuration: where the embedded SQLite store lives, whether
// it records, and how long and how large it may grow. Ages take days and weeks (30d, 2w) as
// well as the shorter units; sizes take the binary and decimal units (2GiB, 500MB).
import { z } from 'zod';
import { byteSize, duration } from './duration';

/** 0 turns the limit off. */
const age = z.union([z.literal(0), duration]);
const size = z.union([z.literal(0), byteSize]);

/** 30 days and 2 GiB. */
const DEFAULT_STORE_RETENTION = { maxAge: 30 * 86_400_000, maxSize: 2 * 1024 ** 3 } as const;

export const storeSection = z
  .strictObject({
    /** The SQLite file; the state directory's packettrail.db when absent. */
    path: z.string().min(1).optional(),
    /** Absent: on when no other sink is named (or a path is given), off otherwise. */
    enabled: z.boolean().optional(),
    /** Keep connection_closed records (duration, bytes, packets): on for the store, which is where they are looked up. */
    closes: z.boolean().default(true),
    retention: z.strictObject({ maxAge: age.default(DEFAULT_STORE_RETENTION.maxAge), maxSize: size.default(DEFAULT_STORE_RETENTION.maxSize) }).default(DEFAULT_STORE_RETENTION),
  })
  .default({ closes: true, retention: DEFAULT_STORE_RETENTION });
