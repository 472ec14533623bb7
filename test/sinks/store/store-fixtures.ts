// Temp stores for the store tests: a directory per test, removed after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/context';
import { createStoreSink, type StoreSink, type StoreSinkOptions } from '../../../src/sinks/store';
import { ENV } from '../../helpers/events';

export interface TempStore {
  readonly dir: string;
  readonly path: string;
  readonly sink: StoreSink;
  remove(): Promise<void>;
}

export function tempStore(over: Partial<StoreSinkOptions> = {}): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'pt-store-'));
  const path = join(dir, 'state', 'packettrail.db');
  const sink = createStoreSink({ path, retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, host: ENV.host, ...over });
  return {
    dir,
    path,
    sink,
    async remove() {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
