// The record formats a file, console or Elasticsearch sink can write, by name
// (`--file-format`). A plain switch: every format is known at compile time. Each sink asks
// for its own formatter, so each owns its caches (Community IDs, process parts, seconds).
import type { ConnectionEvent } from '../core/connection-event';
import type { ByteWriter } from '../core/byte-writer';
import { EcsLineEncoder } from './ecs';
import { EcsByteEncoder } from './ecs-bytes';
import type { FormatEnv } from './env';
import { OcsfLineEncoder } from './ocsf';
import { seedLine } from './seed';
import { sigmaLine, sigmaReports } from './sigma';

export const RECORD_FORMATS = ['ecs', 'ocsf', 'sigma', 'seed'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export function isRecordFormat(s: unknown): s is RecordFormat {
  return typeof s === 'string' && (RECORD_FORMATS as readonly string[]).includes(s);
}

export interface RecordFormatter {
  /** One record as one line without its trailing newline: JSON for ecs/ocsf/sigma, the seed syslog line for seed. */
  readonly line: (ev: ConnectionEvent) => string;
  /** Writes the same line's bytes straight into a sink's buffer, where the format has such a path (ecs). */
  readonly encode?: (ev: ConnectionEvent, out: ByteWriter) => void;
  /**
   * Whether the format reports this record at all; absent: every record. A sink skips the
   * records it refuses (not an error). Sigma reports only what Sysmon's Event 3 does.
   */
  readonly reports?: (ev: ConnectionEvent) => boolean;
}

export interface RecordFormatOptions {
  /** Sigma: every record (listens, closes, failed connects too), not only Event 3's. */
  readonly sigmaAllEvents?: boolean | undefined;
}

/** A new formatter for one sink. */
export function createRecordFormatter(format: RecordFormat, env: FormatEnv, options: RecordFormatOptions = {}): RecordFormatter {
  switch (format) {
    case 'ecs': {
      const lines = new EcsLineEncoder(env);
      const bytes = new EcsByteEncoder(env);
      return { line: (ev) => lines.line(ev), encode: (ev, out) => bytes.encode(ev, out) };
    }
    case 'ocsf': {
      const lines = new OcsfLineEncoder(env);
      return { line: (ev) => lines.line(ev) };
    }
    case 'sigma':
      return options.sigmaAllEvents ? { line: (ev) => sigmaLine(ev, env) } : { line: (ev) => sigmaLine(ev, env), reports: sigmaReports };
    case 'seed':
      return { line: (ev) => seedLine(ev, env) };
  }
}
