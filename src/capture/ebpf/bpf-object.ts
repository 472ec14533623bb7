// Opens, loads and attaches the packetTrail BPF object through libbpf, and undoes it all.
// Links are never pinned: if the process dies, the kernel detaches everything with its fds.
import fs from 'node:fs';
import { cgroup2Root } from '../../process/cgroup2';
import type { Libbpf, Ptr } from './libbpf';
import { CONFIG, LOST } from './record-layout';

export interface LoadOptions {
  objectPath: string;
  /** Ring buffer size in bytes; rounded up to a power of two of at least one page. */
  ringBufferBytes?: number;
  ignorePid?: number | undefined;
  udpReemitSecs?: number | undefined;
  /** true: the kernel remembers each reported TCP connection and sends its close with the socket's counters. Default false. */
  closes?: boolean | undefined;
  /** false: the kernel records the exec filename as typed instead of walking the executable's path (a benchmark baseline). Default true. */
  walkExePath?: boolean | undefined;
  /** Where cgroup/* programs attach; default: the cgroup v2 root. */
  cgroupPath?: string;
}

export interface AttachReport {
  attached: string[];
  /** Programs that were not attached and why (the tier still runs without them). */
  skipped: { program: string; reason: string }[];
}

/** Programs the tier cannot work without: TCP connect and the process lifecycle. */
const REQUIRED = new Set(['pt_inet_sock_set_state', 'pt_sched_process_exec', 'pt_sched_process_exit']);

const TRACEFS_ROOTS = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'];

export class BpfObject {
  private obj: Ptr | null;
  private readonly links: Ptr[] = [];
  private cgroupFd = -1;
  private readonly lostMap: Ptr;
  readonly ringFd: number;
  /** The ring's data size in bytes (a power of two). */
  readonly ringBytes: number;
  readonly report: AttachReport = { attached: [], skipped: [] };

  private constructor(
    private readonly lib: Libbpf,
    obj: Ptr,
  ) {
    this.obj = obj;
    const ring = lib.findMap(obj, 'events');
    const lost = lib.findMap(obj, 'lost');
    if (!ring || !lost) throw new Error('BPF object lacks the events/lost maps: rebuild it');
    this.ringFd = lib.mapFd(ring);
    this.ringBytes = lib.maxEntries(ring);
    this.lostMap = lost;
  }

  /** Opens and loads; throws an Error whose message says which step failed. */
  static load(lib: Libbpf, opts: LoadOptions): BpfObject {
    if (!fs.existsSync(opts.objectPath)) {
      throw new Error(`BPF object ${opts.objectPath} not found: run scripts/build-bpf.sh`);
    }
    const obj = lib.openFile(opts.objectPath);
    if (!obj) throw new Error(`bpf_object__open_file(${opts.objectPath}) failed: errno ${lib.errno()}`);
    const skippedBeforeLoad: AttachReport['skipped'] = [];
    try {
      const ring = lib.findMap(obj, 'events');
      if (ring && opts.ringBufferBytes) {
        const rc = lib.setMaxEntries(ring, ringSize(opts.ringBufferBytes));
        if (rc < 0) throw new Error(`bpf_map__set_max_entries(events) failed: ${rc}`);
      }
      if (opts.walkExePath === false) setWalkExePath(lib, obj, false);
      // A tracepoint this kernel lacks (e.g. sock_send_length before 6.3) would fail the load.
      for (let p = lib.nextProgram(obj, null); p; p = lib.nextProgram(obj, p)) {
        const missing = missingTracepoint(lib.sectionName(p));
        if (missing && !REQUIRED.has(lib.programName(p))) {
          lib.setAutoload(p, false);
          skippedBeforeLoad.push({ program: lib.programName(p), reason: `no tracepoint ${missing}` });
        }
      }
      const rc = lib.load(obj);
      if (rc < 0) throw new Error(`bpf_object__load failed: errno ${-rc} (the verifier log is on stderr)`);
    } catch (err) {
      lib.close(obj);
      throw err;
    }
    const self = new BpfObject(lib, obj);
    self.report.skipped.push(...skippedBeforeLoad);
    try {
      self.writeConfig(opts.ignorePid ?? 0, opts.udpReemitSecs ?? 60, opts.closes === true);
    } catch (err) {
      self.close();
      throw err;
    }
    return self;
  }

  private writeConfig(ignorePid: number, udpReemitSecs: number, closes: boolean): void {
    const map = this.lib.findMap(this.obj!, 'pt_config');
    if (!map) throw new Error('BPF object lacks the pt_config map');
    const key = Buffer.alloc(4);
    const value = Buffer.alloc(CONFIG.size);
    value.writeUInt32LE(ignorePid >>> 0, CONFIG.ignorePid);
    value.writeUInt32LE(udpReemitSecs >>> 0, CONFIG.udpReemitSecs);
    value.writeUInt32LE(closes ? 1 : 0, CONFIG.closes);
    const rc = this.lib.mapUpdate(map, key, value);
    if (rc < 0) throw new Error(`writing pt_config failed: ${rc}`);
  }

  /** Attaches every loaded program; throws if a required one fails. */
  attachAll(cgroupPath?: string): AttachReport {
    const lib = this.lib;
    const skippedNames = new Set(this.report.skipped.map((s) => s.program));
    for (let p = lib.nextProgram(this.obj!, null); p; p = lib.nextProgram(this.obj!, p)) {
      const name = lib.programName(p);
      if (skippedNames.has(name)) continue;
      const section = lib.sectionName(p);
      let link: Ptr | null;
      if (section.startsWith('cgroup/')) {
        const fd = this.openCgroup(cgroupPath);
        if (fd < 0) {
          this.report.skipped.push({ program: name, reason: 'no cgroup v2 hierarchy mounted' });
          continue;
        }
        link = lib.attachCgroup(p, fd);
      } else {
        link = lib.attach(p);
      }
      if (!link) {
        const reason = `attach failed: errno ${lib.errno()}`;
        if (REQUIRED.has(name)) throw new Error(`${name}: ${reason}`);
        this.report.skipped.push({ program: name, reason });
        continue;
      }
      this.links.push(link);
      this.report.attached.push(name);
    }
    return this.report;
  }

  private openCgroup(cgroupPath?: string): number {
    if (this.cgroupFd >= 0) return this.cgroupFd;
    const dir = cgroupPath ?? cgroup2Root();
    if (!dir) return -1;
    try {
      this.cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch {
      return -1;
    }
    return this.cgroupFd;
  }

  /** Records the kernel could not put in the ring buffer since load. */
  lostTotal(): number {
    return this.lostCount(LOST.ring);
  }

  /** Connections whose close is never sent because the kernel's table of open connections was full. */
  closeStartsLost(): number {
    return this.lostCount(LOST.closeStart);
  }

  private lostCount(index: number): number {
    if (!this.obj) return 0;
    const key = Buffer.alloc(4);
    key.writeUInt32LE(index, 0);
    const value = Buffer.alloc(8);
    if (this.lib.mapLookup(this.lostMap, key, value) < 0) return 0;
    return Number(value.readBigUInt64LE(0));
  }

  /** Detaches every program and frees the object; safe to call twice. */
  close(): void {
    while (this.links.length > 0) this.lib.linkDestroy(this.links.pop()!);
    if (this.cgroupFd >= 0) {
      fs.closeSync(this.cgroupFd);
      this.cgroupFd = -1;
    }
    if (this.obj) {
      this.lib.close(this.obj);
      this.obj = null;
    }
  }
}

/** BPF ring buffers must be a power of two and a multiple of the page size. */
export function ringSize(bytes: number): number {
  const page = 4096;
  let n = page;
  while (n < bytes && n < 1 << 30) n *= 2;
  return n;
}

/** "tracepoint/cat/name" whose event this kernel lacks -> "cat/name"; else undefined. */
function missingTracepoint(section: string): string | undefined {
  const m = /^(?:tp|tracepoint)\/([^/]+)\/([^/]+)$/.exec(section);
  if (!m) return undefined;
  const root = TRACEFS_ROOTS.find((r) => fs.existsSync(r));
  if (!root) return undefined; // cannot tell: let the load decide
  return fs.existsSync(`${root}/${m[1]}/${m[2]}`) ? undefined : `${m[1]}/${m[2]}`;
}

/** Sets the program's pt_walk_exe_path constant (the only member of its rodata section); before load only. */
function setWalkExePath(lib: Libbpf, obj: Ptr, on: boolean): void {
  const map = lib.findMap(obj, '.rodata.exe_path');
  if (!map) throw new Error('BPF object lacks the .rodata.exe_path section: rebuild it');
  const value = Buffer.alloc(4);
  value.writeUInt32LE(on ? 1 : 0, 0);
  const rc = lib.setInitialValue(map, value);
  if (rc < 0) throw new Error(`setting pt_walk_exe_path failed: ${rc}`);
}
