// A Sink that keeps what it is given, for tests of the pipeline: its records and the process
// ends it heard of.
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { ProcessEnd, Sink, SinkStats } from '../../src/core/stages';

export class CollectingSink implements Sink {
  readonly name = 'collect';
  readonly records: ConnectionEvent[] = [];
  readonly ends: ProcessEnd[] = [];

  write(ev: ConnectionEvent): void {
    this.records.push(ev);
  }

  processEnded(end: ProcessEnd): void {
    this.ends.push(end);
  }

  async flush(): Promise<void> {}

  stats(): SinkStats {
    return { written: this.records.length, dropped: 0, errors: 0 };
  }

  async close(): Promise<void> {}
}
