// Records a receiver rejected for good (a `fatal` result) go here with the reason, one JSON
// object per line, so nothing leaves the spool silently.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/context';

export interface DeadLetter {
  record: string;
  reason: string;
}

export class DeadLetterFile {
  constructor(
    readonly path: string,
    private readonly sink: string,
    private readonly logger: Logger,
  ) {}

  /** Appends the rejected records; returns false (and logs) if the file cannot be written. */
  write(items: readonly DeadLetter[]): boolean {
    if (items.length === 0) return true;
    const time = new Date().toISOString();
    const lines = `${items.map((d) => JSON.stringify({ '@timestamp': time, sink: this.sink, reason: d.reason, record: d.record })).join('\n')}\n`;
    try {
      fs.mkdirSync(path.dirname(this.path), { recursive: true });
      fs.appendFileSync(this.path, lines);
      return true;
    } catch (err) {
      this.logger.error({ sink: this.sink, path: this.path, err, lost: items.length }, 'dead-letter write failed');
      return false;
    }
  }
}
