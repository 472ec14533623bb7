// SHA-256 of the executable each process runs, computed once per file version in a thread of
// its own. The file is looked at when the exec is seen — /proc/PID/exe while the process lives,
// so a binary deleted or replaced since hashes as what actually ran; the path otherwise. A file
// version is its (device, inode, size, mtime, ctime): a known version answers at once from the
// cache, a version being hashed collects the processes that wait for it, and a new one is
// opened there and then, and the open descriptor is what the worker hashes. Bounded everywhere: a size cap, a queue of distinct files, one file at a
// time at a paced rate, a timeout per file.
import fs from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HashStatus } from '../core/process-info';
import type { HashJob, HashReply } from './exe-hash-protocol';

export interface ExeHasherOptions {
  /** Files larger than this are not hashed (status too_large). */
  readonly maxSize: number;
  /** Distinct files waiting to be hashed; past it a request is refused (status busy). */
  readonly maxQueue: number;
  /** How long one file may take before it is given up (status timeout). */
  readonly timeoutMs: number;
  /** Read pace, the CPU budget; 0 for none. */
  readonly bytesPerSecond: number;
  /** File versions remembered. Default 4096. */
  readonly cacheEntries?: number | undefined;
  readonly procRoot?: string | undefined;
}

/** A hash, or why there is none. */
export type HashOutcome = { readonly sha256: string; readonly status?: undefined } | { readonly sha256?: undefined; readonly status: HashStatus };

export interface ExeHasherStats {
  requests: number;
  cacheHits: number;
  /** Files read and hashed (each file version once). */
  hashed: number;
  bytesHashed: number;
  tooLarge: number;
  /** Requests refused because the queue was full. */
  busy: number;
  timeouts: number;
  errors: number;
  /** Files waiting or being hashed now. */
  queued: number;
}

interface Job {
  readonly id: number;
  readonly key: string;
  readonly fd: number;
  /** Pids waiting for this file's hash. */
  readonly waiters: number[];
}

const PENDING: HashOutcome = { status: 'pending' };
const BUSY: HashOutcome = { status: 'busy' };
const ERROR: HashOutcome = { status: 'error' };
const TOO_LARGE: HashOutcome = { status: 'too_large' };
/** The thread's own check comes first; this one catches a read that never returns. */
const HUNG_READ_GRACE_MS = 1000;

export class ExeHasher {
  private readonly procRoot: string;
  private readonly cacheEntries: number;
  /** File version → outcome (hashes and too_large: both hold while the version does). */
  private readonly cache = new Map<string, HashOutcome>();
  private readonly jobsByKey = new Map<string, Job>();
  private readonly queue: Job[] = [];
  /** pid → the file version it waits for; a later exec or fork of the pid replaces it. */
  private readonly waiting = new Map<number, string>();
  private running: Job | undefined;
  private runningTimer: NodeJS.Timeout | undefined;
  private worker: Worker | undefined;
  private nextId = 1;
  private closed = false;
  private readonly counts: ExeHasherStats = { requests: 0, cacheHits: 0, hashed: 0, bytesHashed: 0, tooLarge: 0, busy: 0, timeouts: 0, errors: 0, queued: 0 };

  /** Told of each late outcome, once per waiting pid. */
  onResult: (pid: number, outcome: HashOutcome) => void = () => undefined;

  constructor(private readonly opts: ExeHasherOptions) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.cacheEntries = Math.max(1, opts.cacheEntries ?? 4096);
  }

  /**
   * The hash of what pid runs now: at once when the file version is known, else pending (and
   * onResult follows), or why there is none.
   */
  request(pid: number, path: string | undefined): HashOutcome {
    this.counts.requests++;
    this.waiting.delete(pid);
    if (this.closed) return ERROR;
    // stat first: most execs run a file version already known, and a stat of the magic link
    // (the file that runs, deleted or not) costs about half of an open, fstat and close.
    let source = `${this.procRoot}/${pid}/exe`;
    let st = statQuietly(source);
    if (st === undefined && path !== undefined && path.startsWith('/')) {
      // Gone already (a short-lived command) or not ours to read: the path names the file.
      source = path;
      st = statQuietly(path);
    }
    if (st === undefined) {
      this.counts.errors++;
      return ERROR;
    }
    const key = versionKey(st);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.counts.cacheHits++;
      return cached;
    }
    if (st.size > BigInt(this.opts.maxSize)) {
      this.counts.tooLarge++;
      this.remember(key, TOO_LARGE);
      return TOO_LARGE;
    }
    const job = this.jobsByKey.get(key);
    if (job !== undefined) {
      job.waiters.push(pid);
      this.waiting.set(pid, key);
      return PENDING;
    }
    if (this.jobsByKey.size >= this.opts.maxQueue) {
      this.counts.busy++;
      return BUSY;
    }
    // The descriptor pins the file version: what the worker reads later is what ran, even once
    // the path is deleted or names another file. Its own fstat names the version it holds.
    let fd: number;
    let held: string;
    try {
      fd = fs.openSync(source, 'r');
    } catch {
      this.counts.errors++;
      return ERROR;
    }
    try {
      held = versionKey(fs.fstatSync(fd, { bigint: true }));
    } catch {
      closeQuietly(fd);
      this.counts.errors++;
      return ERROR;
    }
    const fresh: Job = { id: this.nextId++, key: held, fd, waiters: [pid] };
    this.jobsByKey.set(held, fresh);
    this.queue.push(fresh);
    this.waiting.set(pid, held);
    this.pump();
    return PENDING;
  }

  /** A forked child runs its parent's file: it waits for the parent's pending hash too. */
  inherit(child: number, parent: number): void {
    this.waiting.delete(child);
    const key = this.waiting.get(parent);
    const job = key !== undefined ? this.jobsByKey.get(key) : undefined;
    if (job === undefined) return;
    job.waiters.push(child);
    this.waiting.set(child, key!);
  }

  stats(): ExeHasherStats {
    return { ...this.counts, queued: this.jobsByKey.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.runningTimer) clearTimeout(this.runningTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    for (const job of [...this.queue, ...(this.running ? [this.running] : [])]) closeQuietly(job.fd);
    this.queue.length = 0;
    this.running = undefined;
    this.jobsByKey.clear();
    this.waiting.clear();
  }

  private remember(key: string, outcome: HashOutcome): void {
    if (this.cache.size >= this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, outcome);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    const msg: HashJob = { id: job.id, fd: job.fd, maxSize: this.opts.maxSize, bytesPerSecond: this.opts.bytesPerSecond, deadlineMs: Date.now() + this.opts.timeoutMs };
    this.thread().postMessage(msg);
    this.runningTimer = setTimeout(() => this.hung(job), this.opts.timeoutMs + HUNG_READ_GRACE_MS);
    this.runningTimer.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(__dirname, 'exe-hash-worker.js'));
    worker.unref();
    worker.on('message', (reply: HashReply) => this.replied(reply));
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  /** The thread never answered: it is stopped (a new one starts for the next file). */
  private hung(job: Job): void {
    if (this.running !== job) return;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.finish(job, { status: 'timeout' });
  }

  private replied(reply: HashReply): void {
    const job = this.running;
    if (!job || job.id !== reply.id) return;
    this.counts.bytesHashed += reply.bytes;
    let outcome: HashOutcome;
    if (reply.outcome === 'hashed' && reply.sha256 !== undefined) {
      this.counts.hashed++;
      outcome = { sha256: reply.sha256 };
      this.remember(job.key, outcome);
    } else if (reply.outcome === 'too_large') {
      outcome = TOO_LARGE;
      this.remember(job.key, outcome);
    } else outcome = reply.outcome === 'timeout' ? { status: 'timeout' } : ERROR;
    this.finish(job, outcome);
  }

  private finish(job: Job, outcome: HashOutcome): void {
    if (this.runningTimer) clearTimeout(this.runningTimer);
    this.runningTimer = undefined;
    this.running = undefined;
    closeQuietly(job.fd);
    this.jobsByKey.delete(job.key);
    if (outcome.status === 'timeout') this.counts.timeouts++;
    else if (outcome.status === 'too_large') this.counts.tooLarge++;
    else if (outcome.status === 'error') this.counts.errors++;
    for (const pid of job.waiters) {
      if (this.waiting.get(pid) !== job.key) continue; // exec'd another file since
      this.waiting.delete(pid);
      this.onResult(pid, outcome);
    }
    this.pump();
  }
}

/** A file version: device, inode, size, mtime and ctime, to the nanosecond. */
function versionKey(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

function statQuietly(path: string): fs.BigIntStats | undefined {
  try {
    return fs.statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined; // not ours to read (EACCES), or not a path at all
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
