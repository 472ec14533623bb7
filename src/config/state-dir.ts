// Where the sensor keeps its state (default file, spools) when the config names no place:
// PACKETTRAIL_STATE_DIR, else /var/lib/packettrail as root, else ~/.local/state/packettrail.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function defaultStateDir(): string {
  const dir = process.env.PACKETTRAIL_STATE_DIR || (process.getuid?.() === 0 ? '/var/lib/packettrail' : join(process.env.HOME ?? '/tmp', '.local/state/packettrail'));
  mkdirSync(dir, { recursive: true });
  return dir;
}
