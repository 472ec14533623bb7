// The `detect:` section of the configuration.
import { z } from 'zod';
import { duration } from './duration';
import { parseCidr } from '../core/cidr';

const allowRule = z
  .strictObject({
    cidr: z
      .string()
      .refine((c) => parseCidr(c) !== undefined, 'an address block such as 10.0.0.0/8 or fd00::/8')
      .optional(),
    port: z.number().int().min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535').optional(),
    exe: z.string().min(1).optional(),
  })
  .refine((r) => r.cidr !== undefined || r.port !== undefined || r.exe !== undefined, 'an allow rule needs cidr, port or exe');

export const detectSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    handoff: z
      .strictObject({
        window: duration.default(600_000),
        commonThreshold: z.number().int().min(3, 'at least 3: an address reached only by A and B is never common').default(3),
        commonWindow: duration.default(3_600_000),
        warmUp: z.union([z.literal(0), duration]).default(300_000),
      })
      .prefault({}),
    firstSeen: z.strictObject({ learnFor: duration.default(86_400_000) }).prefault({}),
    beacon: z
      .strictObject({
        minCount: z.number().int().min(3).default(8),
        maxJitter: z.number().positive().max(1).default(0.1),
        burstGap: duration.default(100),
        minPeriod: duration.default(500),
      })
      .prefault({}),
    allow: z.array(allowRule).default([]),
    maxKeys: z.number().int().min(16).default(65_536),
  })
  .prefault({});

export type DetectConfig = z.output<typeof detectSchema>;
