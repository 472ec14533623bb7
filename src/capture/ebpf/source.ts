// The ebpf capture tier: a worker thread owns the BPF object and the ring buffer; this side
// decodes records and hands them to the pipeline.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/context';
import { PtError } from '../../core/errors';
import type { CaptureSource, SourceOutput, SourceStats } from '../../core/stages';
import { decodeRecord } from './decode-record';
import { defaultBpfObjectPath } from './object-path';
import type { RingWorkerData, RingWorkerMessage } from './ring-worker';
import { kernelClockNow, toSourceEvent, type KernelClock } from './to-events';

export interface EbpfSourceOptions {
  logger: Logger;
  bpfObjectPath?: string;
  /** Ring buffer size (rounded up to a power of two, at least a page). Default 4 MiB. */
  ringBufferBytes?: number;
  /** The sensor's own pid: its sockets, its exec/exit and its own forks are not reported. */
  ignorePid?: number;
  /** A UDP flow is reported again after this many seconds of existence. Default 60. */
  udpReemitSecs?: number;
  /** Where the cgroup sock_addr (UDP) hooks attach. Default: the cgroup v2 root. */
  cgroupPath?: string;
}

const STOP_TIMEOUT_MS = 5000;

export function createEbpfSource(opts: EbpfSourceOptions): CaptureSource {
  const log = opts.logger;
  const stats: SourceStats = { events: 0, lost: 0 };
  let worker: Worker | undefined;
  let stopFlag: Int32Array | undefined;
  let exited: Promise<void> | undefined;
  let lostTotal = 0;
  let decodeErrors = 0;

  function handleBatch(out: SourceOutput, clock: KernelClock, batch: ArrayBuffer): void {
    const bytes = new Uint8Array(batch);
    const dv = new DataView(batch);
    let at = 0;
    while (at + 4 <= bytes.length) {
      const size = dv.getUint32(at, true);
      const rec = bytes.subarray(at + 4, at + 4 + size);
      at += 4 + size;
      const res = decodeRecord(rec);
      if (!res.ok) {
        if (decodeErrors++ < 10) log.warn({ error: res.error }, 'ebpf: undecodable ring-buffer record');
        continue;
      }
      const ev = toSourceEvent(res.record, clock);
      stats.events++;
      try {
        if ('connection' in ev) out.connection(ev.connection);
        else {
          const p = ev.process;
          if (p.type === 'exec' && !p.executable.startsWith('/')) p.executable = resolveExe(p.pid, p.executable);
          out.process(p);
        }
      } catch (err) {
        log.error({ err }, 'ebpf: pipeline rejected an event');
      }
    }
  }

  return {
    tier: 'ebpf',

    start(out: SourceOutput): Promise<void> {
      if (worker) return Promise.reject(new PtError('E_CAPTURE', 'ebpf source already started'));
      const stop = new SharedArrayBuffer(4);
      stopFlag = new Int32Array(stop);
      const data: RingWorkerData = {
        objectPath: opts.bpfObjectPath ?? defaultBpfObjectPath(),
        ringBufferBytes: opts.ringBufferBytes ?? 4 << 20,
        ignorePid: opts.ignorePid,
        udpReemitSecs: opts.udpReemitSecs,
        cgroupPath: opts.cgroupPath,
        stop,
      };
      const clock = kernelClockNow();
      const w = spawnWorker(data);
      worker = w;
      exited = new Promise((resolve) => w.once('exit', () => resolve()));
      return new Promise((resolve, reject) => {
        let ready = false;
        w.on('message', (msg: RingWorkerMessage) => {
          switch (msg.type) {
            case 'records':
              handleBatch(out, clock, msg.batch);
              break;
            case 'lost': {
              const delta = msg.total - lostTotal;
              lostTotal = msg.total;
              if (delta > 0) {
                stats.lost += delta;
                out.lost(delta);
              }
              break;
            }
            case 'ready':
              ready = true;
              for (const s of msg.report.skipped) log.warn(s, 'ebpf: program not attached');
              log.info({ programs: msg.report.attached.length }, 'ebpf: capture attached');
              resolve();
              break;
            case 'error':
              if (!ready) reject(new PtError('E_CAPTURE', `ebpf: ${msg.message}`));
              else log.error({ error: msg.message }, 'ebpf: capture failed');
              break;
            case 'stopped':
              break;
          }
        });
        w.on('error', (err) => {
          if (!ready) reject(new PtError('E_CAPTURE', `ebpf worker failed: ${err.message}`, { cause: err }));
          else log.error({ err }, 'ebpf: worker failed');
        });
        w.once('exit', (code) => {
          if (!ready) reject(new PtError('E_CAPTURE', `ebpf worker exited (${code}) before capture started`));
        });
      });
    },

    stats: () => ({ ...stats }),

    async close(): Promise<void> {
      const w = worker;
      if (!w || !stopFlag) return;
      Atomics.store(stopFlag, 0, 1);
      const timer = setTimeout(() => void w.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      worker = undefined;
    },
  };
}

/** Runs ring-worker.ts under tsx (tests, dev) or ring-worker.js (built). */
function spawnWorker(data: RingWorkerData): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `ring-worker${ext}`);
  if (ext === '.ts') {
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, {
      eval: true,
      workerData: data,
    });
  }
  return new Worker(file, { workerData: data });
}

/** The kernel gives the path as passed to execve; a relative one is resolved while we can. */
function resolveExe(pid: number, given: string): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return given;
  }
}
