// What a starting sensor's detectors already know, read from the store it records into: the
// pairs and listeners seen (so a restart does not raise first-seen for them again), the time
// its history starts (a store older than the learning period ends learning at once) and the
// alerts already raised (never raised twice).
import type { Logger } from '../core/context';
import type { DetectSeed } from '../detect/engine';
import { openStoreReadOnly, readKnown } from '../sinks/store';

export function readDetectSeed(storePath: string, logger: Logger): DetectSeed | undefined {
  try {
    const db = openStoreReadOnly(storePath);
    try {
      const known = readKnown(db, { sinceUs: 0 });
      // Materialised now: the read-only connection closes before the sensor starts.
      return { earliestUs: known.earliestUs, pairs: [...known.pairs], listeners: [...known.listeners], alertIds: [...known.alertIds] };
    } finally {
      db.close();
    }
  } catch (err) {
    logger.warn({ component: 'daemon', err, store: storePath }, 'detectors start without the store history');
    return undefined;
  }
}
