// The `hash:` section of the configuration: the SHA-256 of each process's executable, and the
// bounds on what computing it may cost.
import { z } from 'zod';
import { byteSize, duration } from './duration';

export const hashSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Files above this are not hashed: their records say too_large. */
    maxSize: byteSize.default(256 * 1024 ** 2),
    /** How long a record may wait for a hash still being computed; 0 never waits. */
    waitMs: z.union([z.literal(0), duration]).default(50),
    /** Distinct files waiting to be hashed; past it a process's record says busy. */
    maxQueue: z.number().int().min(1).default(1024),
    /** Time one file may take before it is given up (timeout). */
    timeout: duration.default(10_000),
    /** Read pace per second, the CPU budget of hashing (one file at a time, one thread); 0 for none. */
    rate: z.union([z.literal(0), byteSize]).default(128 * 1024 ** 2),
  })
  .prefault({});
