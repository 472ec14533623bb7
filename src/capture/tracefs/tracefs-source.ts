// The `tracefs` capture tier: the tracepoints the eBPF tier uses, read as text from two
// tracefs instances of our own (see decode.ts for why two), for kernels or policies where
// BPF cannot load.
import fs from 'node:fs';
import path from 'node:path';
import { monotonicNowUs, monotonicToWallOffsetUs } from '../../core/clock';
import { TCP_STATE } from '../../core/tcp-state';
import type { CaptureSource, SourceOutput, SourceStats } from '../../core/stages';
import type { Logger } from '../../core/context';
import { PtError, errorMessage } from '../../core/errors';
import { DecodeErrorCounts } from '../decode-errors';
import { parseTraceLine } from './trace-line';
import { decodeMain, decodeV6 } from './decode';
import { TracefsCorrelator, type Decoded } from './correlator';
import { createProcInfo } from './proc-info';
import { openPipeReader, type PipeReader } from './pipe-reader';
import { TRACEFS_ROOT, createInstance, ensureTracefsMounted, startTracing, sweepStaleInstances, type EventSpec, type TraceInstance } from './instance';

export interface TracefsSourceOptions {
  logger: Logger;
  /** Our own pid: its connections (to our sinks) and its own forks are not recorded. */
  ignorePid?: number | undefined;
  /** A UDP (process, local port, remote) is reported again after this many seconds. Default 60. */
  udpReemitSecs?: number | undefined;
  /** Idle wait between reads of the pipes; default 25 ms. */
  pollMs?: number;
  root?: string;
}

const TCP_STATES_USED = `(${(['ESTABLISHED', 'SYN_SENT', 'CLOSE', 'LISTEN'] as const).map((name) => `newstate == ${TCP_STATE[name]}`).join(' || ')})`;

const MAIN_EVENTS: EventSpec[] = [
  { event: 'sock/inet_sock_set_state', filter: `protocol == 6 && ${TCP_STATES_USED}` },
  { event: 'sched/sched_process_exec' },
  { event: 'sched/sched_process_exit', filter: 'group_dead == 1' },
  // New processes, not threads. task_newtask rather than sched_process_fork: it carries the
  // clone flags, so the kernel drops thread creations (CLONE_THREAD) before they reach the
  // buffer. sched_process_fork gives only tids, and telling a thread from a process there
  // needs /proc/<child>, which a short-lived child has already left.
  { event: 'task/task_newtask', filter: '!(clone_flags & 0x10000)', filterOptional: true },
  { event: 'syscalls/sys_enter_accept4', optional: true },
  { event: 'syscalls/sys_enter_accept', optional: true },
  { event: 'syscalls/sys_exit_accept4', filter: 'ret >= 0', optional: true },
  { event: 'syscalls/sys_exit_accept', filter: 'ret >= 0', optional: true },
  { event: 'fib/fib_table_lookup', filter: 'proto == 17', optional: true },
];
const V6_EVENTS: EventSpec[] = [
  { event: 'sock/inet_sock_set_state', filter: `family == 10 && protocol == 6 && ${TCP_STATES_USED}` },
  { event: 'fib6/fib6_table_lookup', filter: 'proto == 17', optional: true },
];

export function createTracefsSource(opts: TracefsSourceOptions): CaptureSource {
  const root = opts.root ?? TRACEFS_ROOT;
  const pollMs = opts.pollMs ?? 25;
  const stats: SourceStats = { events: 0, lost: 0 };
  const log = opts.logger.child({ component: 'tracefs' });
  const decodeErrors = new DecodeErrorCounts(log);
  let instances: TraceInstance[] = [];
  let readers: PipeReader[] = [];
  let correlator: TracefsCorrelator | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lostSeen = 0;
  let lastLostCheck = 0;
  let lastOut: SourceOutput | undefined;

  function decodeAll(lines: string[], decode: typeof decodeMain): Decoded[] {
    const out: Decoded[] = [];
    for (const text of lines) {
      const line = parseTraceLine(text);
      if (!line.ok) {
        decodeErrors.note(line.kind, line.error, { line: text.slice(0, 300) });
        continue;
      }
      const rec = decode(line.value.event, line.value.body);
      if (!rec.ok) {
        decodeErrors.note(rec.kind, rec.error, { line: text.slice(0, 300) });
        continue;
      }
      out.push({ line: line.value, rec: rec.value });
    }
    return out;
  }

  function checkLost(out: SourceOutput): void {
    const now = Date.now();
    if (now - lastLostCheck < 1000) return;
    lastLostCheck = now;
    const total = instances.reduce((n, i) => n + i.lostCount(), 0);
    if (total > lostSeen) {
      const delta = total - lostSeen;
      stats.lost += delta;
      out.lost(delta);
    }
    lostSeen = total;
  }

  async function round(out: SourceOutput, final: boolean): Promise<number> {
    // Main first, then v6: an IPv6 transition read from main finds its twin already read.
    const main = await readers[0]!.drain();
    const v6 = await readers[1]!.drain();
    correlator!.addMain(decodeAll(main, decodeMain));
    correlator!.addV6(decodeAll(v6, decodeV6));
    correlator!.run(final);
    checkLost(out);
    return main.length + v6.length;
  }

  function schedule(out: SourceOutput, delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round(out, false).then(
        (n) => schedule(out, n > 0 ? 0 : pollMs),
        (err) => {
          log.error({ err }, 'read failed; capture stopped');
          stopped = true;
        },
      );
    }, delay);
  }

  function removeAll(): void {
    for (const inst of instances) {
      const err = inst.remove();
      if (err) log.warn({ dir: inst.dir, err: new Error(err) }, 'could not remove instance');
    }
    instances = [];
  }

  return {
    tier: 'tracefs',
    async start(out: SourceOutput): Promise<void> {
      if (instances.length > 0) throw new PtError('E_CAPTURE', 'tracefs source already started');
      stopped = false;
      lastOut = out;
      ensureTracefsMounted(root);
      const swept = sweepStaleInstances(root);
      if (swept.length > 0) log.info({ instances: swept }, 'removed instances left by earlier runs');
      const name = `packettrail-${process.pid}`;
      try {
        instances = [
          createInstance({ name, fieldsMode: true, bufferKb: 4096, events: MAIN_EVENTS }, root),
          createInstance({ name: `${name}-v6`, fieldsMode: false, bufferKb: 1024, events: V6_EVENTS }, root),
        ];
        readers = instances.map((i) => openPipeReader(i.pipePath));
      } catch (err) {
        for (const r of readers) await r.close();
        readers = [];
        removeAll();
        throw err instanceof PtError ? err : new PtError('E_CAPTURE', `tracefs start failed: ${errorMessage(err)}`, { cause: err });
      }
      for (const i of instances) if (i.skipped.length > 0) log.warn({ skipped: i.skipped }, 'events not available (or filters refused) on this kernel');
      const offsetUs = Math.round(monotonicToWallOffsetUs());
      correlator = new TracefsCorrelator({
        proc: createProcInfo(),
        ignorePid: opts.ignorePid,
        udpReemitUs: (opts.udpReemitSecs ?? 60) * 1_000_000,
        toEpochUs: (mono) => mono + offsetUs,
        nowMonoUs: monotonicNowUs,
        connection: (ev) => {
          stats.events++;
          out.connection(ev);
        },
        process: (ev) => {
          stats.events++;
          out.process(ev);
        },
      });
      for (const i of instances) startTracing(i);
      lostSeen = instances.reduce((n, i) => n + i.lostCount(), 0);
      schedule(out, 0);
    },
    stats: () => ({ ...stats, decodeErrors: decodeErrors.counts() }),
    async close(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      if (instances.length === 0) return;
      // Stop the kernel side first, then take what is left in the buffers.
      for (const i of instances) {
        try {
          fs.writeFileSync(path.join(i.dir, 'tracing_on'), '0');
        } catch {
          // Removal below disables it anyway.
        }
      }
      try {
        if (lastOut && correlator && readers.length === 2) await round(lastOut, true);
      } catch (err) {
        log.warn({ err }, 'final read failed');
      }
      for (const r of readers) await r.close();
      readers = [];
      removeAll();
    },
  };
}
