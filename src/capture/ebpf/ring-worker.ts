// Worker thread of the ebpf tier: loads and attaches the BPF object, then blocks in
// ring_buffer__poll (off the main event loop) and posts the raw records in batches.
// Stops when the main thread sets the shared stop flag; then detaches everything.
import { parentPort, workerData } from 'node:worker_threads';
import { BpfObject, type AttachReport } from './bpf-object';
import { loadLibbpf } from './libbpf';

export interface RingWorkerData {
  objectPath: string;
  ringBufferBytes?: number;
  ignorePid?: number;
  udpReemitSecs?: number;
  cgroupPath?: string;
  /** Int32 flag: non-zero asks the worker to stop. */
  stop: SharedArrayBuffer;
}

export type RingWorkerMessage =
  | { type: 'ready'; report: AttachReport }
  | { type: 'error'; message: string }
  /** Records packed as [u32 length LE][bytes]... */
  | { type: 'records'; batch: ArrayBuffer; count: number }
  | { type: 'lost'; total: number }
  | { type: 'stopped' };

// Records are submitted without a wakeup (BPF_RB_NO_WAKEUP) and drained on a timer: one
// wakeup of this thread and one message to the main thread per interval, however many
// records, instead of one of each per record. The interval bounds the added latency.
const DRAIN_MS = 20;
const LOST_CHECK_MS = 500;
const EINTR = 4;

function post(msg: RingWorkerMessage, transfer?: ArrayBuffer[]): void {
  parentPort!.postMessage(msg, transfer);
}

function run(data: RingWorkerData): void {
  const stop = new Int32Array(data.stop);
  const lib = loadLibbpf();
  let obj: BpfObject;
  try {
    obj = BpfObject.load(lib, data);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  let batch = Buffer.allocUnsafe(1 << 16);
  let used = 0;
  let count = 0;
  const ring = lib.ringBufferNew(obj.ringFd, (ptr, size) => {
    if (used + 4 + size > batch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(batch.length * 2, used + 4 + size));
      batch.copy(bigger, 0, 0, used);
      batch = bigger;
    }
    batch.writeUInt32LE(size, used);
    batch.set(new Uint8Array(lib.view(ptr, size)), used + 4);
    used += 4 + size;
    count++;
    return 0;
  });
  try {
    if (!ring.rb) throw new Error(`ring_buffer__new failed: errno ${lib.errno()}`);
    const report = obj.attachAll(data.cgroupPath);
    post({ type: 'ready', report });
    let lastLost = 0;
    let lastLostCheck = Date.now();
    while (Atomics.load(stop, 0) === 0) {
      const rc = lib.ringBufferConsume(ring.rb);
      if (count > 0) {
        const out = new ArrayBuffer(used);
        new Uint8Array(out).set(batch.subarray(0, used));
        post({ type: 'records', batch: out, count }, [out]);
        used = 0;
        count = 0;
      }
      if (rc < 0 && rc !== -EINTR) throw new Error(`ring_buffer__consume failed: ${rc}`);
      const now = Date.now();
      if (now - lastLostCheck >= LOST_CHECK_MS) {
        lastLostCheck = now;
        const total = obj.lostTotal();
        if (total !== lastLost) {
          lastLost = total;
          post({ type: 'lost', total });
        }
      }
      // Sleeps DRAIN_MS, or less when the main thread asks to stop.
      Atomics.wait(stop, 0, 0, DRAIN_MS);
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  } finally {
    if (ring.rb) lib.ringBufferFree(ring.rb);
    ring.release();
    obj.close();
  }
  post({ type: 'stopped' });
}

if (parentPort) run(workerData as RingWorkerData);
