// The engine options a validated `detect:` config section turns into (durations in µs).
import type { DetectConfig } from '../config/detect-schema';
import type { DetectOptions } from './options';

export function detectOptionsFrom(c: DetectConfig): DetectOptions {
  const us = (ms: number) => Math.round(ms * 1000);
  return {
    handoff: { windowUs: us(c.handoff.window), commonThreshold: c.handoff.commonThreshold, commonWindowUs: us(c.handoff.commonWindow), warmUpUs: us(c.handoff.warmUp) },
    firstSeen: { learnForUs: us(c.firstSeen.learnFor) },
    beacon: { minCount: c.beacon.minCount, maxJitter: c.beacon.maxJitter, burstGapUs: us(c.beacon.burstGap), minPeriodUs: us(c.beacon.minPeriod) },
    allow: c.allow.map((r) => ({ ...r })),
    maxKeys: c.maxKeys,
  };
}
