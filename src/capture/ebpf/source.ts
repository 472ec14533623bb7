// The ebpf capture tier: loads and attaches the BPF object, then drains its ring buffer in
// place on a timer of the event loop (ring-reader.ts), decoding each record straight into
// the pipeline's events. The kernel submits records without a wakeup (BPF_RB_NO_WAKEUP), so
// there is nothing to wait on: one drain per tick however many records, no thread, no copy.
import fs from 'node:fs';
import type { Building } from '../../core/building';
import type { Logger } from '../../core/context';
import type { DnsAnswer } from '../../core/dns-answer';
import { PtError } from '../../core/errors';
import type { CaptureSource, DnsTapStats, ProcessEvent, SourceOutput, SourceStats } from '../../core/stages';
import { DecodeErrorCounts } from '../decode-errors';
import { BpfObject } from './bpf-object';
import { decodeCounting } from './decode-counting';
import { DnsTap } from './dns-tap';
import { kernelClockNow, RecordDecoder, type DecodedEvents } from './decode-record';
import { loadLibbpf } from './libbpf';
import { defaultBpfObjectPath } from './object-path';
import { RingReader } from './ring-reader';
import { UdpSourceAddresses, type UdpSourceSighting } from './udp-source-addresses';

export interface EbpfSourceOptions {
  logger: Logger;
  bpfObjectPath?: string;
  /** Ring buffer size (rounded up to a power of two, at least a page). Default 8 MiB. */
  ringBufferBytes?: number;
  /** The sensor's own pid: its sockets, its exec/exit and its own forks are not reported. */
  ignorePid?: number | undefined;
  /** A UDP flow is reported again after this many seconds of existence. Default 60. */
  udpReemitSecs?: number | undefined;
  /** Send a connection_closed record, with duration and the socket's counters, for each TCP connection reported. Default false. */
  closes?: boolean | undefined;
  /** Where the cgroup sock_addr (UDP) hooks attach. Default: the cgroup v2 root. */
  cgroupPath?: string;
  /**
   * false: the kernel records the exec filename as typed, without resolving the executable's
   * path (the cost baseline bench:capture measures against; never for real use). Default:
   * true, unless the environment has PACKETTRAIL_EXE_PATH_WALK=0, which is how the benchmark
   * reaches a sensor it starts through the CLI.
   */
  walkExePath?: boolean | undefined;
  /** Read DNS answers (bpf/dns.bpf.c) so connections can carry the name behind the address; absent, no tap. */
  dns?: { readonly extraPorts?: readonly number[] | undefined; readonly objectPath?: string | undefined } | undefined;
}

// The drain interval bounds the added latency; the ring holds what arrives meanwhile, and
// whatever arrives while the event loop is busy elsewhere (8 MiB: seconds of records even
// at thousands of short-lived processes a second). Each wakeup of the event loop costs about
// 0.2 ms of CPU on a small VM and every batch starts with cold caches, so batches are made
// as big as latency allows: a drain every 250 ms, sooner only when the ring fills fast enough
// that waiting would take it past an eighth of its size (a burst, or a host far busier than
// this one: the ring then keeps its room for a stalled event loop).
const DRAIN_MAX_MS = 250;
const DRAIN_MIN_MS = 10;
/** The share of the ring a drain interval may fill. */
const DRAIN_FILL_SHARE = 1 / 8;
const DEFAULT_RING_BYTES = 8 << 20;
/** Records per slice of a drain: a backlog is worked off in slices so sinks and timers still run. */
const SLICE_RECORDS = 4096;
const LOST_CHECK_MS = 500;

/** The wait before the next drain: the longest that, at the rate the ring filled since the last wait, keeps it under fillLimit bytes. */
export function nextDrainMs(bytes: number, elapsedMs: number, fillLimit: number): number {
  if (bytes <= 0 || elapsedMs <= 0) return DRAIN_MAX_MS;
  const ms = (fillLimit / bytes) * elapsedMs;
  return Math.max(DRAIN_MIN_MS, Math.min(DRAIN_MAX_MS, Math.floor(ms)));
}

export function createEbpfSource(opts: EbpfSourceOptions): CaptureSource {
  const log = opts.logger.child({ component: 'ebpf' });
  const walkExePath = opts.walkExePath ?? process.env.PACKETTRAIL_EXE_PATH_WALK !== '0';
  const stats: SourceStats = { events: 0, lost: 0 };
  const decodeErrors = new DecodeErrorCounts(log);
  let obj: BpfObject | undefined;
  let ring: RingReader | undefined;
  let dnsTap: DnsTap | undefined;
  /** The tap's last counts, kept for the stats record made after close. */
  let closedDnsStats: DnsTapStats | undefined;
  let timer: NodeJS.Timeout | undefined;
  let slice: NodeJS.Immediate | undefined;
  /** Fills the wildcard local address of UDP flows from the datagrams the tap saw leave. */
  let udpSources: UdpSourceAddresses | undefined;
  let lostTotal = 0;
  let closeStartsLost = 0;
  let lastLostCheck = 0;
  /** Drains everything left (used once more at close, after the programs are detached). */
  let drainAll: (() => void) | undefined;

  function start(out: SourceOutput): void {
    const lib = loadLibbpf();
    const loaded = BpfObject.load(lib, {
      objectPath: opts.bpfObjectPath ?? defaultBpfObjectPath(),
      ringBufferBytes: opts.ringBufferBytes ?? DEFAULT_RING_BYTES,
      ignorePid: opts.ignorePid,
      udpReemitSecs: opts.udpReemitSecs,
      closes: opts.closes,
      walkExePath,
    });
    if (!walkExePath) log.warn('executable paths are recorded as typed (path walk off)');
    try {
      ring = new RingReader(loaded.ringFd, loaded.ringBytes);
      const report = loaded.attachAll(opts.cgroupPath);
      for (const s of report.skipped) log.warn(s, 'program not attached');
      log.info({ programs: report.attached.length, ringBytes: loaded.ringBytes }, 'capture attached');
    } catch (err) {
      ring?.close();
      ring = undefined;
      loaded.close();
      throw err;
    }
    obj = loaded;
    const clock = kernelClockNow();
    if (opts.dns) dnsTap = openDnsTap(opts.dns, clock.offsetUs);
    const onAnswer = (answer: DnsAnswer): void => {
      try {
        out.dnsAnswer?.(answer);
      } catch (err) {
        log.error({ err }, 'pipeline rejected a dns answer');
      }
    };
    const sources = dnsTap ? new UdpSourceAddresses() : undefined;
    udpSources = sources;
    const onUdpSource = sources ? (s: UdpSourceSighting): void => sources.learn(s) : undefined;
    const decoder = new RecordDecoder(clock);
    const toSinks = toPipeline(out);
    const passConnection = toSinks.connection;
    const events: DecodedEvents = sources ? { ...toSinks, connection: (ev) => sources.complete(ev, passConnection) } : toSinks;
    const onSample = decodeCounting(decoder, events, stats, decodeErrors);
    const fillLimit = loaded.ringBytes * DRAIN_FILL_SHARE;
    let since = performance.now();
    let bytesSince = 0;
    const drain = (): void => {
      slice = undefined;
      timer = undefined;
      if (!ring) return;
      // Answers first, and only the records written before the answers were read: a connection
      // follows its answer in the kernel, so its answer is known before it in the pipeline.
      const upTo = ring.producerPosition();
      dnsTap?.drain(onAnswer, onUdpSource);
      // Sends held by the last drain: their datagrams, if any left, are read by now.
      sources?.release(passConnection);
      const { bytes, more } = ring.drain(onSample, SLICE_RECORDS, upTo);
      bytesSince += bytes;
      checkLost(out);
      // A full slice goes on at once (after I/O and timers had their turn); otherwise wait.
      if (more) slice = setImmediate(drain);
      else {
        const now = performance.now();
        timer = setTimeout(drain, nextDrainMs(bytesSince, now - since, fillLimit));
        since = now;
        bytesSince = 0;
      }
    };
    drainAll = () => {
      dnsTap?.drain(onAnswer, onUdpSource);
      while (ring?.drain(onSample, SLICE_RECORDS).more);
      sources?.release(passConnection);
    };
    timer = setTimeout(drain, DRAIN_MAX_MS);
  }

  /** The pipeline must not stop the drain: an exception is logged and the next record goes on. */
  function toPipeline(out: SourceOutput): DecodedEvents {
    return {
      connection(ev) {
        try {
          out.connection(ev);
        } catch (err) {
          log.error({ err }, 'pipeline rejected an event');
        }
      },
      process(ev: Building<ProcessEvent>) {
        try {
          if (ev.type === 'exec' && ev.executableTruncated) completeTruncatedExe(ev);
          out.process(ev);
        } catch (err) {
          log.error({ err }, 'pipeline rejected an event');
        }
      },
    };
  }

  /** The tap is an enrichment: the capture runs without it when it cannot load here. */
  function openDnsTap(dns: NonNullable<EbpfSourceOptions['dns']>, clockOffsetUs: number): DnsTap | undefined {
    try {
      const tap = DnsTap.open(loadLibbpf(), {
        objectPath: dns.objectPath ?? defaultBpfObjectPath('dns.bpf.o'),
        extraPorts: dns.extraPorts,
        cgroupPath: opts.cgroupPath,
        clockOffsetUs,
        logger: opts.logger.child({ component: 'dns-tap' }),
      });
      log.info({ extraPorts: dns.extraPorts ?? [] }, 'dns tap attached');
      return tap;
    } catch (err) {
      log.warn({ err }, 'dns tap not attached: connections carry no domain');
      return undefined;
    }
  }

  function checkLost(out: SourceOutput): void {
    const now = Date.now();
    if (!obj || now - lastLostCheck < LOST_CHECK_MS) return;
    lastLostCheck = now;
    const total = obj.lostTotal();
    const delta = total - lostTotal;
    lostTotal = total;
    if (delta > 0) {
      stats.lost += delta;
      out.lost(delta);
    }
    const missed = obj.closeStartsLost();
    if (missed > closeStartsLost) {
      log.warn({ missed: missed - closeStartsLost, total: missed }, 'open-connection table full: closes of these connections are not reported');
      closeStartsLost = missed;
    }
  }

  return {
    tier: 'ebpf',

    start(out: SourceOutput): Promise<void> {
      if (obj) return Promise.reject(new PtError('E_CAPTURE', 'ebpf source already started'));
      try {
        start(out);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return Promise.reject(new PtError('E_CAPTURE', `ebpf: ${message}`, { cause: err }));
      }
      return Promise.resolve();
    },

    stats: () => {
      const tap = dnsTap?.stats() ?? closedDnsStats;
      const dns = tap && udpSources ? { ...tap, udpSources: udpSources.stats() } : tap;
      return { ...stats, decodeErrors: decodeErrors.counts(), ...(dns ? { dns } : {}) };
    },

    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      if (slice) clearImmediate(slice);
      timer = undefined;
      slice = undefined;
      // Detach first, then read what the programs wrote before they went away: the mapping
      // keeps the ring alive after the object (and its map fd) is closed.
      obj?.close();
      obj = undefined;
      dnsTap?.close();
      drainAll?.();
      closedDnsStats = dnsTap?.stats();
      dnsTap = undefined;
      drainAll = undefined;
      ring?.close();
      ring = undefined;
    },
  };
}

const DELETED_SUFFIX = ' (deleted)';

/**
 * The kernel resolves the executable's path but keeps only its tail when it is deeper or longer
 * than the record holds: /proc/PID/exe has it whole while the process lives.
 */
function completeTruncatedExe(ev: Building<Extract<ProcessEvent, { type: 'exec' }>>): void {
  let whole: string;
  try {
    whole = fs.readlinkSync(`/proc/${ev.pid}/exe`);
  } catch {
    return; // gone already: the tail is all there is
  }
  if (ev.executableDeleted && whole.endsWith(DELETED_SUFFIX)) whole = whole.slice(0, -DELETED_SUFFIX.length);
  // Another program by now (a second exec): its path is not this record's.
  if (!whole.endsWith(ev.executable)) return;
  ev.executable = whole;
  ev.executableTruncated = false;
}
