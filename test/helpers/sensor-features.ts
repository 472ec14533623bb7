// What the built CLI offers, read from its own help, so an end-to-end test can run the parts
// a build has and say plainly which parts it skips (and why) for a build without them.
import { runCliSync } from './cli-run';

export interface SensorFeatures {
  /** `run --store PATH`: the SQLite store sink. */
  readonly store: boolean;
  /** `packettrail hunt`: the detectors over stored history (and therefore the detectors). */
  readonly hunt: boolean;
  /** `packettrail query`: reading the store back. */
  readonly query: boolean;
}

export function sensorFeatures(): SensorFeatures {
  const top = runCliSync(['--help']).stdout;
  const run = runCliSync(['run', '--help']).stdout;
  const command = (name: string) => new RegExp(`^\\s+${name}\\b`, 'm').test(top);
  return { store: /--store\b/.test(run), hunt: command('hunt'), query: command('query') };
}
