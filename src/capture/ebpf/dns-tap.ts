// The DNS answer tap (bpf/dns.bpf.c): a BPF object of its own that copies DNS answers arriving
// at local sockets to its own ring, with the process that asked. Loaded beside the capture
// programs by the ebpf source, which drains this ring before its own on every tick: an answer
// always reaches the pipeline before the connection it led to. The same ring carries the source
// address of UDP datagrams sent from wildcard sockets (udp-source-addresses.ts).
import fs from 'node:fs';
import type { DnsAnswer } from '../../core/dns-answer';
import type { DnsTapStats } from '../../core/stages';
import { cgroup2Root } from '../../process/cgroup2';
import { DecodeErrorCounts } from '../decode-errors';
import { parseDnsAnswer } from '../dns/parse-answer';
import type { Logger } from '../../core/context';
import type { Libbpf, Ptr } from './libbpf';
import { ipFromBytes } from './ip-bytes';
import { AF_INET, AF_INET6 } from '../../core/kernel-constants';
import { RingReader, type SampleHandler } from './ring-reader';
import type { UdpSourceSighting } from './udp-source-addresses';

const DNS_PORT = 53;
/** The kernel's map holds this many ports (53 included). */
const MAX_PORTS = 8;
const IPPROTO_TCP = 6;
// The record kinds and layouts of bpf/dns.bpf.c: struct dns_record and struct udp_source_record.
const KIND_DNS_ANSWER = 1;
const KIND_UDP_SOURCE = 2;
const REC = { kind: 0, transport: 1, truncated: 2, tgid: 4, tsNs: 8, len: 16, payload: 18 } as const;
const SRC = { family: 1, sport: 2, dport: 4, saddr: 8, daddr: 24, size: 40 } as const;
/** Answers per drain at most: DNS is a trickle, a flood of it waits for the next tick. */
const DRAIN_MAX = 4096;

export interface DnsTapOptions {
  objectPath: string;
  /** Server ports whose answers are read, besides 53. */
  extraPorts?: readonly number[] | undefined;
  /** Where the programs attach; default the cgroup v2 root. */
  cgroupPath?: string | undefined;
  /** Kernel CLOCK_MONOTONIC ns / 1000 + this = epoch microseconds. */
  clockOffsetUs: number;
  logger: Logger;
}

export class DnsTap {
  private obj: Ptr | null;
  private readonly links: Ptr[] = [];
  private cgroupFd = -1;
  private ring: RingReader | undefined;
  private readonly lostMap: Ptr;
  private readonly errors: DecodeErrorCounts;
  private readonly counters = { answers: 0, withoutAddress: 0, lost: 0 };
  private readonly onSample: SampleHandler;
  private emit: (answer: DnsAnswer) => void = () => {};
  private emitSource: ((s: UdpSourceSighting) => void) | undefined;

  private constructor(
    private readonly lib: Libbpf,
    obj: Ptr,
    private readonly opts: DnsTapOptions,
  ) {
    this.obj = obj;
    const ring = lib.findMap(obj, 'dns_events');
    const lost = lib.findMap(obj, 'dns_lost');
    if (!ring || !lost) throw new Error('DNS BPF object lacks the dns_events/dns_lost maps: rebuild it');
    this.lostMap = lost;
    this.ring = new RingReader(lib.mapFd(ring), lib.maxEntries(ring));
    this.errors = new DecodeErrorCounts(opts.logger);
    this.onSample = (bytes, view, at, len) => this.decode(bytes, view, at, len);
  }

  /** Loads, configures and attaches the tap; throws an Error saying which step failed. */
  static open(lib: Libbpf, opts: DnsTapOptions): DnsTap {
    if (!fs.existsSync(opts.objectPath)) throw new Error(`BPF object ${opts.objectPath} not found: run scripts/build-bpf.sh`);
    const obj = lib.openFile(opts.objectPath);
    if (!obj) throw new Error(`bpf_object__open_file(${opts.objectPath}) failed: errno ${lib.errno()}`);
    const rc = lib.load(obj);
    if (rc < 0) {
      lib.close(obj);
      throw new Error(`bpf_object__load(dns) failed: errno ${-rc}`);
    }
    let tap: DnsTap | undefined;
    try {
      tap = new DnsTap(lib, obj, opts);
      tap.writePorts([DNS_PORT, ...(opts.extraPorts ?? [])]);
      tap.attach();
    } catch (err) {
      if (tap) tap.close();
      else lib.close(obj);
      throw err;
    }
    return tap;
  }

  private writePorts(ports: readonly number[]): void {
    const unique = [...new Set(ports)];
    if (unique.length > MAX_PORTS) throw new Error(`at most ${MAX_PORTS} DNS ports (53 included), got ${unique.length}`);
    const map = this.lib.findMap(this.obj!, 'dns_ports');
    if (!map) throw new Error('DNS BPF object lacks the dns_ports map');
    const key = Buffer.alloc(2);
    const one = Buffer.from([1]);
    for (const port of unique) {
      key.writeUInt16LE(port, 0);
      const rc = this.lib.mapUpdate(map, key, one);
      if (rc < 0) throw new Error(`writing dns_ports failed: ${rc}`);
    }
  }

  private attach(): void {
    const dir = this.opts.cgroupPath ?? cgroup2Root();
    if (!dir) throw new Error('no cgroup v2 hierarchy mounted');
    this.cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    for (let p = this.lib.nextProgram(this.obj!, null); p; p = this.lib.nextProgram(this.obj!, p)) {
      const link = this.lib.attachCgroup(p, this.cgroupFd);
      if (!link) throw new Error(`attaching ${this.lib.programName(p)} failed: errno ${this.lib.errno()}`);
      this.links.push(link);
    }
  }

  /**
   * Hands every answer the kernel copied since the last call to `onAnswer`, and every UDP source
   * sighting to `onUdpSource` (dropped without one), oldest first.
   */
  drain(onAnswer: (answer: DnsAnswer) => void, onUdpSource?: (s: UdpSourceSighting) => void): void {
    if (!this.ring) return;
    this.emit = onAnswer;
    this.emitSource = onUdpSource;
    while (this.ring.drain(this.onSample, DRAIN_MAX).more);
  }

  private decode(bytes: Uint8Array, view: DataView, at: number, len: number): void {
    const kind = len > 0 ? bytes[at + REC.kind] : undefined;
    if (kind === KIND_UDP_SOURCE) this.decodeUdpSource(bytes, view, at, len);
    else if (kind === KIND_DNS_ANSWER) this.decodeAnswer(bytes, view, at, len);
    else this.errors.note('bad_kind', `dns tap record of kind ${kind}`);
  }

  private decodeUdpSource(bytes: Uint8Array, view: DataView, at: number, len: number): void {
    if (len < SRC.size) {
      this.errors.note('truncated', `udp source record of ${len} bytes`);
      return;
    }
    if (!this.emitSource) return;
    const af = bytes[at + SRC.family] === 6 ? AF_INET6 : AF_INET;
    this.emitSource({
      sourceIp: ipFromBytes(bytes.subarray(at + SRC.saddr, at + SRC.saddr + 16), af).ip,
      sourcePort: view.getUint16(at + SRC.sport, true),
      destinationIp: ipFromBytes(bytes.subarray(at + SRC.daddr, at + SRC.daddr + 16), af).ip,
      destinationPort: view.getUint16(at + SRC.dport, true),
    });
  }

  private decodeAnswer(bytes: Uint8Array, view: DataView, at: number, len: number): void {
    if (len < REC.payload) {
      this.errors.note('truncated', `dns record of ${len} bytes`);
      return;
    }
    const payloadLen = Math.min(view.getUint16(at + REC.len, true), len - REC.payload);
    const timeUs = Math.floor(Number(view.getBigUint64(at + REC.tsNs, true)) / 1000 + this.opts.clockOffsetUs);
    // A copy: the ring slot is reused after this call, and dns-packet keeps slices of its input.
    const payload = Buffer.from(bytes.subarray(at + REC.payload, at + REC.payload + payloadLen));
    const parsed = parseDnsAnswer({ timeUs, pid: view.getUint32(at + REC.tgid, true), tcp: bytes[at + REC.transport] === IPPROTO_TCP, bytes: payload });
    if ('answer' in parsed) {
      this.counters.answers++;
      this.emit(parsed.answer);
    } else if ('empty' in parsed) {
      this.counters.withoutAddress++;
    } else {
      const cut = bytes[at + REC.truncated] !== 0;
      this.errors.note(cut ? `${parsed.failure}_cut` : parsed.failure, `dns answer of ${payloadLen} bytes did not parse`);
    }
  }

  stats(): DnsTapStats {
    return { ...this.counters, lost: this.lostTotal(), parseErrors: this.errors.counts() };
  }

  private lostTotal(): number {
    if (!this.obj) return this.counters.lost;
    const value = Buffer.alloc(8);
    if (this.lib.mapLookup(this.lostMap, Buffer.alloc(4), value) < 0) return this.counters.lost;
    this.counters.lost = Number(value.readBigUInt64LE(0));
    return this.counters.lost;
  }

  /** Detaches, drains what is left into the last handler, and frees everything; safe twice. */
  close(): void {
    while (this.links.length > 0) this.lib.linkDestroy(this.links.pop()!);
    if (this.cgroupFd >= 0) {
      fs.closeSync(this.cgroupFd);
      this.cgroupFd = -1;
    }
    this.lostTotal();
    if (this.obj) {
      this.lib.close(this.obj);
      this.obj = null;
    }
    if (this.ring) {
      while (this.ring.drain(this.onSample, DRAIN_MAX).more);
      this.ring.close();
      this.ring = undefined;
    }
  }
}
