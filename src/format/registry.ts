// The record formats a file or console sink can write, by name (DESIGN.md §4, `--file-format`).
// A plain switch: every format is known at compile time.
import type { ConnectionEvent } from '../core/connection-event';
import type { ByteWriter } from './byte-writer';
import { ecsLine, type FormatEnv } from './ecs';
import { EcsByteEncoder } from './ecs-bytes';
import { ocsfLine } from './ocsf';
import { seedLine } from './seed';
import { sigmaLine } from './sigma';

export const RECORD_FORMATS = ['ecs', 'ocsf', 'sigma', 'seed'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export function isRecordFormat(s: unknown): s is RecordFormat {
  return typeof s === 'string' && (RECORD_FORMATS as readonly string[]).includes(s);
}

/** One record as one line without its trailing newline: JSON for ecs/ocsf/sigma, the seed syslog line for seed. */
export function formatRecord(format: RecordFormat, ev: ConnectionEvent, env: FormatEnv): string {
  switch (format) {
    case 'ecs':
      return ecsLine(ev, env);
    case 'ocsf':
      return ocsfLine(ev, env);
    case 'sigma':
      return sigmaLine(ev, env);
    case 'seed':
      return seedLine(ev, env);
  }
}

/** A writer of the format's bytes straight into a sink's buffer, where one exists (ecs). */
export function recordEncoder(format: RecordFormat, env: FormatEnv): ((ev: ConnectionEvent, out: ByteWriter) => void) | undefined {
  if (format !== 'ecs') return undefined;
  const enc = new EcsByteEncoder(env);
  return (ev, out) => enc.encode(ev, out);
}
