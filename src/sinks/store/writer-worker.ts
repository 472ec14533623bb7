// The store's writer thread: it owns the writing connection, so the sensor's event loop never
// waits for SQLite (a commit, a checkpoint, a retention step). Messages are handled in order;
// the counts go into memory shared with the sensor's thread, so its stats() is always current.
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessInfo } from '../../core/connection-event';
import type { EncodedBatch } from './batch-codec';
import { openStoreForWriting } from './open';
import { Retention } from './retention';
import { BatchWriter } from './writer';
import { COUNTS, type ToWriter, type WriterData, type FromWriter } from './writer-protocol';

function main(): void {
  const port = parentPort!;
  const data = workerData as WriterData;
  const counts = new Float64Array(data.counts);
  const send = (msg: FromWriter) => port.postMessage(msg);
  const db = openStoreForWriting(data.path);
  const writer = new BatchWriter(db);
  const retention = new Retention(db, data.retention);
  const processes = new Map<number, ProcessInfo>();
  const commitTx = db.transaction((batch: EncodedBatch) => writer.write(batch, processes));
  let failing = false;

  const commit = (batch: EncodedBatch): void => {
    if (batch.resetProcesses) processes.clear();
    for (const [key, p] of batch.processes) processes.set(key, p);
    const records = batch.count + batch.alerts.length;
    try {
      commitTx(batch);
      counts[COUNTS.written]! += records;
      if (failing) send({ type: 'recovered' });
      failing = false;
    } catch (err) {
      // The transaction rolled back: ids cached during it may name rows that do not exist.
      writer.forgetIds();
      counts[COUNTS.errors]! += 1;
      counts[COUNTS.dropped]! += records;
      failing = true;
      send({ type: 'commit-failed', err: err as Error, dropped: records });
    }
  };

  /** One retention step; false when nothing more is due (or it failed). */
  const retain = (nowUs: number): boolean => {
    try {
      const step = retention.step(nowUs);
      if (step.deleted > 0) {
        counts[COUNTS.pruned]! += step.deleted;
        writer.forgetIds();
      }
      return step.more;
    } catch (err) {
      counts[COUNTS.errors]! += 1;
      send({ type: 'retention-failed', err: err as Error });
      return false;
    }
  };

  port.on('message', (msg: ToWriter) => {
    switch (msg.type) {
      case 'batch':
        commit(msg.batch);
        break;
      case 'sync':
        send({ type: 'synced', seq: msg.seq });
        break;
      case 'retain':
        send({ type: 'retained', more: retain(msg.nowUs) });
        break;
      case 'retain-all': {
        const before = counts[COUNTS.pruned]!;
        while (retain(msg.nowUs));
        const done = new Int32Array(msg.done);
        Atomics.store(done, 1, counts[COUNTS.pruned]! - before);
        Atomics.store(done, 0, 1);
        Atomics.notify(done, 0);
        break;
      }
      case 'close':
        try {
          db.pragma('optimize');
        } catch {
          // only planner statistics: a store that cannot take them closes all the same
        }
        db.close();
        port.close();
        break;
    }
  });
}

main();
