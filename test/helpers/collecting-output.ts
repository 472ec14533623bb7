// A SourceOutput that keeps everything a capture source emits, so a test can look for the
// records its own child processes caused.
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { ProcessEvent, SourceOutput } from '../../src/core/stages';

export class CollectingOutput implements SourceOutput {
  readonly conns: ConnectionEvent[] = [];
  readonly procs: ProcessEvent[] = [];
  /** Every event in the order the source emitted it. */
  readonly order: Array<ConnectionEvent | ProcessEvent> = [];
  /** Events the source reported lost, summed. */
  lostCount = 0;

  connection(ev: ConnectionEvent): void {
    this.conns.push(ev);
    this.order.push(ev);
  }

  process(ev: ProcessEvent): void {
    this.procs.push(ev);
    this.order.push(ev);
  }

  lost(count: number): void {
    this.lostCount += count;
  }
}
