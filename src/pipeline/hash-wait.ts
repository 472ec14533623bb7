// Records whose process's executable hash is still being computed wait for it, a short while
// at most: the hash usually comes within milliseconds of the exec, and a record that carries it
// spares the reader a join. Once one record waits, every later record and process exit queues
// behind it, so the sinks and the detectors see them in the order the source gave them.
import type { ConnectionEvent } from '../core/connection-event';

interface HeldRecord {
  readonly raw: ConnectionEvent;
  ev: ConnectionEvent;
  readonly dueMs: number;
}

interface HeldExit {
  readonly exitPid: number;
  readonly timeUs: number;
}

export interface HashWaitOutput {
  record(ev: ConnectionEvent): void;
  processExited(pid: number, timeUs: number): void;
  /** The event with the process table's current process (the hash may have come since); held is as it was attributed. */
  reattribute(raw: ConnectionEvent, held: ConnectionEvent): ConnectionEvent;
}

export interface HashWaitStats {
  /** Records that waited for a hash. */
  held: number;
  /** Of those, records that left without it when their wait ended. */
  leftWithoutHash: number;
}

export class HashWait {
  // Items before head have left (undefined); the array is reset once all have.
  private readonly queue: (HeldRecord | HeldExit | undefined)[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly counts: HashWaitStats = { held: 0, leftWithoutHash: 0 };

  constructor(
    private readonly waitMs: number,
    private readonly out: HashWaitOutput,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Records ev now, or holds it (raw: the event before attribution, to attribute again). */
  connection(raw: ConnectionEvent, ev: ConnectionEvent): void {
    const waiting = this.head < this.queue.length;
    if (!waiting && (this.waitMs <= 0 || ev.process?.hashStatus !== 'pending')) {
      this.out.record(ev);
      return;
    }
    if (ev.process?.hashStatus === 'pending') this.counts.held++;
    this.queue.push({ raw, ev, dueMs: this.nowMs() + this.waitMs });
    if (!waiting) this.release(false);
  }

  processExited(pid: number, timeUs: number): void {
    if (this.head < this.queue.length) this.queue.push({ exitPid: pid, timeUs });
    else this.out.processExited(pid, timeUs);
  }

  /** A hash came: the records at the head that waited for it go. */
  hashArrived(): void {
    if (this.head < this.queue.length) this.release(false);
  }

  /** Everything held goes now (the pipeline closes). */
  drain(): void {
    this.release(true);
  }

  stats(): HashWaitStats {
    return { ...this.counts };
  }

  private release(all: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.nowMs();
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if ('exitPid' in item) {
        this.out.processExited(item.exitPid, item.timeUs);
      } else {
        if (item.ev.process?.hashStatus === 'pending') item.ev = this.out.reattribute(item.raw, item.ev);
        const pending = item.ev.process?.hashStatus === 'pending';
        if (pending && !all && now < item.dueMs) {
          this.timer = setTimeout(() => this.release(false), item.dueMs - now);
          this.timer.unref();
          break;
        }
        if (pending) this.counts.leftWithoutHash++;
        this.out.record(item.ev);
      }
      this.queue[this.head++] = undefined;
    }
    if (this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }
}
