// `hunt`: the detectors over stored history, item by item exactly as the live pipeline feeds
// them, so a hunt over what the sensor saw raises what the sensor raised.
import type { ConnectionEvent } from '../core/connection-event';
import type { ActivityItem } from '../core/stages';
import { DetectEngine, type DetectSeed } from './engine';
import type { DetectOptions } from './options';

export function huntOver(items: Iterable<ActivityItem>, options: DetectOptions, seed?: DetectSeed): ConnectionEvent[] {
  const engine = new DetectEngine(options, seed);
  const alerts: ConnectionEvent[] = [];
  for (const item of items) for (const a of engine.observe(item)) alerts.push(a);
  return alerts;
}
