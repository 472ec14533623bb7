// The executable hasher's thread: it reads one file at a time from a descriptor the sensor
// opened (so it hashes the file version that ran, even once the path names another file) and
// paces its reads to the configured rate, so hashing a large binary never takes more than its
// share of a core, and gives up at the job's deadline.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { HashJob, HashReply } from './exe-hash-protocol';

// Small enough that the pace is kept within a few milliseconds.
const CHUNK = 1 << 16;

function hashFile(job: HashJob, buf: Buffer, pause: Int32Array): HashReply {
  const hash = createHash('sha256');
  const started = Date.now();
  let done = 0;
  for (;;) {
    if (Date.now() >= job.deadlineMs) return { id: job.id, outcome: 'timeout', bytes: done };
    const n = readSync(job.fd, buf, 0, CHUNK, done);
    if (n === 0) break;
    hash.update(n === CHUNK ? buf : buf.subarray(0, n));
    done += n;
    if (done > job.maxSize) return { id: job.id, outcome: 'too_large', bytes: done };
    if (job.bytesPerSecond > 0) {
      const ahead = (done / job.bytesPerSecond) * 1000 - (Date.now() - started);
      if (ahead > 1) Atomics.wait(pause, 0, 0, Math.min(ahead, Math.max(0, job.deadlineMs - Date.now())));
    }
  }
  return { id: job.id, outcome: 'hashed', sha256: hash.digest('hex'), bytes: done };
}

function main(): void {
  const port = parentPort!;
  const buf = Buffer.allocUnsafe(CHUNK);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  port.on('message', (job: HashJob) => {
    let reply: HashReply;
    try {
      reply = hashFile(job, buf, pause);
    } catch {
      reply = { id: job.id, outcome: 'error', bytes: 0 };
    }
    port.postMessage(reply);
  });
}

main();
