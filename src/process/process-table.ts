// The attribution cache of the kernel-event tiers (ebpf, tracefs). Exec events fill entries
// from kernel-captured data, so a process that connected and exited within a millisecond
// still has a full record; exited processes stay for a grace period (late events, the
// hand-off detector); anything unknown is read from /proc once and cached.
import fs from 'node:fs';
import type { ParentInfo, ProcessInfo } from '../core/connection-event';
import type { ProcessEvent } from '../core/stages';
import { NumberFifo } from '../core/number-fifo';
import { PidTable } from './pid-table';
import { makeParentInfo, makeProcessInfo } from '../core/process-info';
import { CgroupPaths } from './cgroup-paths';
import { containerIdFromCgroup } from './container';
import { EntityIds } from './entity-id';
import type { ExeHasher, HashOutcome } from './exe-hasher';
import { ProcFileReader } from './proc-files';
import { readProcessInfo, startMsFromTicks, type ProcEnv } from './proc-reader';

export interface ProcessTableOptions {
  /**
   * How long an exited process stays (ms). Default 10 s: kernel events of a process come
   * before its exit in the ring, so only stragglers (tracefs reordering, a record decoded
   * late) need it; at thousands of short-lived processes a second every second of grace is
   * thousands of entries the garbage collector keeps scanning.
   */
  graceMs?: number;
  /** Upper bound on entries; oldest exited go first, then the oldest eighth of the live. Default 65536. */
  maxEntries?: number;
  /** Where cgroup v2 is mounted: the container of a process gone before its exec was applied is found from its cgroup id there. */
  cgroupRoot?: string | undefined;
  /** Hashes each process's executable; absent, records carry no hash. */
  hasher?: ExeHasher | undefined;
}

export interface ProcessTableStats {
  entries: number;
  exited: number;
  /** Entries dropped because the table was full (not grace-period expiries). */
  evictions: number;
  /** Entries that expired after their grace period. */
  expired: number;
  procReads: number;
}

export interface LookupHint {
  comm?: string | undefined;
  uid?: number | undefined;
}

/** An entry whose process has exited, marked so (a new value; the stored ones are never changed). */
function markedExited(info: ProcessInfo, exitedAt: number): ProcessInfo {
  return !info.exited && !Number.isNaN(exitedAt) ? makeProcessInfo({ ...info, exited: true }) : info;
}

export class ProcessTable {
  private readonly env: ProcEnv;
  private readonly entityIds: EntityIds;
  private readonly files: ProcFileReader;
  private readonly graceMs: number;
  private readonly maxEntries: number;
  // A process is its ProcessInfo and nothing else (its exit time is a number in the table's
  // slot): at thousands of short-lived processes a second, every object kept per process is
  // garbage collector work for the whole grace period.
  private readonly entries = new PidTable<ProcessInfo>();
  // Exits oldest first, pid and time in step (see NumberFifo for why not a map's order).
  // An exit whose pid was reused since no longer matches the table's exit time and is skipped.
  private readonly exitPids = new NumberFifo();
  private readonly exitTimes = new NumberFifo();
  /** Thread names seen for a process (kernel events carry the thread's comm); rare. */
  private readonly otherComms = new Map<number, Set<string>>();
  /** The ParentInfo that forked children of one parent share (fork storms come from one parent). */
  private lastParent: { info: ProcessInfo; view: ParentInfo } | undefined;
  /** Kernel cgroup id → container id (null: no container). */
  private readonly cgroupContainers = new Map<string, string | null>();
  private readonly cgroupPaths: CgroupPaths | undefined;
  private readonly hasher: ExeHasher | undefined;
  private readonly hashListeners: ((info: ProcessInfo) => void)[] = [];
  private evictions = 0;
  private expired = 0;
  private procReads = 0;

  constructor(env: ProcEnv, opts: ProcessTableOptions = {}) {
    this.entityIds = env.entityIds ?? new EntityIds(env.hostId);
    this.files = env.files ?? new ProcFileReader();
    this.env = { ...env, entityIds: this.entityIds, files: this.files };
    this.graceMs = opts.graceMs ?? 10_000;
    this.maxEntries = Math.max(1, opts.maxEntries ?? 65_536);
    this.cgroupPaths = opts.cgroupRoot !== undefined ? new CgroupPaths(opts.cgroupRoot) : undefined;
    this.hasher = opts.hasher;
    if (this.hasher) this.hasher.onResult = (pid, outcome) => this.applyHash(pid, outcome);
  }

  /** Tells listener of each process whose hash came after its exec (its entry revised). */
  onHashed(listener: (info: ProcessInfo) => void): void {
    this.hashListeners.push(listener);
  }

  /** Loads every process /proc shows now. Returns how many were read. */
  seedFromProc(): number {
    let names: string[];
    try {
      names = fs.readdirSync(this.env.procRoot ?? '/proc');
    } catch {
      return 0;
    }
    let n = 0;
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (this.entries.has(pid)) continue;
      const info = this.readProc(pid);
      if (info) {
        this.put(pid, this.withHash(info));
        n++;
      }
    }
    return n;
  }

  apply(ev: ProcessEvent): void {
    switch (ev.type) {
      case 'exec':
        this.applyExec(ev);
        break;
      case 'fork':
        this.applyFork(ev);
        break;
      case 'exit': {
        // The record is marked exited when someone looks it up (late events are rare): most
        // short-lived processes are never asked for again, so no copy is made for them.
        const at = ev.timeUs / 1000;
        if (!this.entries.markExited(ev.pid, at)) break;
        this.exitPids.push(ev.pid);
        this.exitTimes.push(at);
        break;
      }
      case 'rename': {
        const known = this.entries.get(ev.pid);
        if (known) this.entries.replace(ev.pid, makeProcessInfo({ ...known, name: ev.comm }));
        break;
      }
    }
  }

  /**
   * Table first; otherwise /proc once (cached); if /proc has nothing, what the hint gives.
   * An entry whose name disagrees with the kernel's comm is checked against /proc once:
   * a different start time means a missed exec (pid reuse); the same one means a thread
   * name or a missed rename, remembered so the check is not repeated.
   */
  lookup(pid: number, hint?: LookupHint): ProcessInfo | undefined {
    const comm = hint?.comm;
    let known = this.entries.revise(pid, markedExited);
    if (known) {
      if (comm === undefined || comm === known.name || this.otherComms.get(pid)?.has(comm)) return known;
      const fresh = this.readProc(pid);
      if (!fresh) return known;
      if (known.startTicks === undefined || fresh.startTicks === known.startTicks) {
        if (fresh.name === comm) {
          known = makeProcessInfo({ ...known, name: comm });
          this.entries.replace(pid, known);
        } else {
          let names = this.otherComms.get(pid);
          if (!names) this.otherComms.set(pid, (names = new Set()));
          if (names.size < 16) names.add(comm);
        }
        return known;
      }
      const hashed = this.withHash(fresh);
      this.put(pid, hashed);
      return hashed;
    }
    const read = this.readProc(pid);
    if (read) {
      const info = this.withHash(read);
      this.put(pid, info);
      return info;
    }
    if (comm === undefined && hint?.uid === undefined) return undefined;
    const uid = hint?.uid;
    return makeProcessInfo({ pid, name: comm ?? '', uid, userName: uid !== undefined ? this.env.users.name(uid) : undefined });
  }

  /** Drops exited entries whose grace period ended before nowMs. Returns how many. */
  sweep(nowMs: number): number {
    let n = 0;
    while (this.exitTimes.length > 0 && this.exitTimes.peek() + this.graceMs <= nowMs) {
      const pid = this.exitPids.shift();
      if (!this.dropIfExitedAt(pid, this.exitTimes.shift())) continue; // pid reused since
      if (this.otherComms.size > 0) this.otherComms.delete(pid);
      n++;
    }
    this.expired += n;
    return n;
  }

  stats(): ProcessTableStats {
    return {
      entries: this.entries.size,
      exited: this.entries.exited,
      evictions: this.evictions,
      expired: this.expired,
      procReads: this.procReads,
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private applyExec(ev: Extract<ProcessEvent, { type: 'exec' }>): void {
    const prev = this.entries.getLive(ev.pid);
    const prevLive = prev !== undefined;
    // exec keeps the pid and start time; an exited entry with this pid is a different process.
    const startTicks = ev.startTicks ?? (prevLive ? prev.startTicks : undefined);
    let parent: ParentInfo | undefined;
    if (ev.ppid > 0) {
      const p = this.entries.get(ev.ppid);
      parent = p ? this.parentView(p) : makeParentInfo({ pid: ev.ppid });
    }
    const hash = this.hasher?.request(ev.pid, ev.executableDeleted ? undefined : ev.executable);
    const info = makeProcessInfo({
      pid: ev.pid,
      name: ev.comm,
      executable: ev.executable,
      executableDeleted: ev.executableDeleted || undefined,
      args: ev.args,
      commandLine: ev.commandLine ?? ev.args.join(' '),
      startTicks,
      startMs: startTicks !== undefined ? startMsFromTicks(this.env.bootTimeMs, startTicks) : undefined,
      // exec keeps the pid and the start time, so the entity id too: no second hash.
      entityId:
        startTicks === undefined ? undefined : prevLive && prev.startTicks === startTicks && prev.entityId !== undefined ? prev.entityId : this.entityIds.of(ev.pid, startTicks),
      parent,
      uid: ev.uid,
      userName: this.env.users.name(ev.uid),
      containerId: this.containerAtExec(ev, prevLive ? prev : undefined),
      sha256: hash?.sha256,
      hashStatus: hash?.status,
    });
    this.put(ev.pid, info);
  }

  /**
   * The container does not change at exec. With the kernel's cgroup id, /proc is read once
   * per cgroup (execs are frequent, new cgroups rare); without it, once per exec. A process
   * already gone (a short-lived command) is found by its cgroup id in the cgroup hierarchy.
   */
  private containerAtExec(ev: Extract<ProcessEvent, { type: 'exec' }>, prevLive: ProcessInfo | undefined): string | undefined {
    const id = ev.cgroupId;
    const cached = id !== undefined ? this.cgroupContainers.get(id) : undefined;
    if (cached !== undefined) return cached === null ? undefined : cached;
    const cg = this.files.text(`${this.env.procRoot ?? '/proc'}/${ev.pid}/cgroup`, 'latin1');
    if (cg !== undefined) {
      const container = containerIdFromCgroup(cg);
      if (id !== undefined) this.cacheContainer(id, container);
      return container;
    }
    const cgroupPath = id !== undefined ? this.cgroupPaths?.pathOf(id) : undefined;
    if (cgroupPath === undefined) return prevLive?.containerId;
    const container = containerIdFromCgroup(`0::${cgroupPath}`);
    this.cacheContainer(id!, container);
    return container;
  }

  private cacheContainer(cgroupId: string, container: string | undefined): void {
    if (this.cgroupContainers.size >= 4096) this.cgroupContainers.clear();
    this.cgroupContainers.set(cgroupId, container ?? null);
  }

  /**
   * A forked child runs its parent's program until it execs: it inherits the parent's
   * executable, command line, user and container, with its own pid, start and entity id.
   */
  private applyFork(ev: Extract<ProcessEvent, { type: 'fork' }>): void {
    const parent = this.entries.get(ev.ppid) ?? this.lookup(ev.ppid);
    if (!parent) return;
    const ticks = ev.startTicks;
    const info = makeProcessInfo({
      pid: ev.pid,
      name: parent.name,
      executable: parent.executable,
      executableDeleted: parent.executableDeleted,
      commandLine: parent.commandLine,
      args: parent.args,
      startMs: ticks !== undefined ? startMsFromTicks(this.env.bootTimeMs, ticks) : undefined,
      startTicks: ticks,
      entityId: ticks !== undefined ? this.entityIds.of(ev.pid, ticks) : undefined,
      parent: this.parentView(parent),
      uid: parent.uid,
      userName: parent.userName,
      containerId: parent.containerId,
      sha256: parent.sha256,
      hashStatus: parent.hashStatus,
    });
    if (parent.hashStatus === 'pending') this.hasher?.inherit(ev.pid, ev.ppid);
    this.put(ev.pid, info);
  }

  /** The parent part of a child's record; children of the same parent share one object. */
  private parentView(parent: ProcessInfo): ParentInfo {
    const last = this.lastParent;
    if (last?.info === parent) return last.view;
    const view = makeParentInfo({ pid: parent.pid, name: parent.name, executable: parent.executable, entityId: parent.entityId, sha256: parent.sha256 });
    this.lastParent = { info: parent, view };
    return view;
  }

  private readProc(pid: number): ProcessInfo | undefined {
    this.procReads++;
    const info = readProcessInfo(pid, this.env);
    if (info?.parent) {
      // Prefer the table's parent record: it may hold exec-time data /proc no longer has.
      const p = this.entries.get(info.parent.pid);
      if (p && info.parent.name === undefined) {
        return makeProcessInfo({ ...info, parent: makeParentInfo({ pid: p.pid, name: p.name, executable: p.executable, entityId: p.entityId, sha256: p.sha256 }) });
      }
    }
    return info;
  }

  /** info with its executable's hash asked for (a process read from /proc, not seen at exec). */
  private withHash(info: ProcessInfo): ProcessInfo {
    // Kernel threads run no file: nothing to hash, nothing to report missing.
    if (!this.hasher || info.exited || info.executable === undefined) return info;
    const hash = this.hasher.request(info.pid, info.executable);
    return makeProcessInfo({ ...info, sha256: hash.sha256, hashStatus: hash.status });
  }

  /** A hash that came after the exec: the waiting entry is revised (a new value) and listeners told. */
  private applyHash(pid: number, outcome: HashOutcome): void {
    let revised: ProcessInfo | undefined;
    this.entries.revise(pid, (known) => {
      if (known.hashStatus !== 'pending') return known;
      revised = makeProcessInfo({ ...known, sha256: outcome.sha256, hashStatus: outcome.status });
      return revised;
    });
    if (revised) for (const listener of this.hashListeners) listener(revised);
  }

  /** Deletes pid if its entry is the exit queued at time at (one probe); false when the pid was reused since. */
  private dropIfExitedAt(pid: number, at: number): boolean {
    return this.entries.deleteIfExitedAt(pid, at);
  }

  /** Inserts or replaces (as the youngest entry), evicting if the table is full. */
  private put(pid: number, info: ProcessInfo): void {
    if (this.otherComms.size > 0) this.otherComms.delete(pid);
    // Only a full table needs to know whether pid is new (set() finds its slot anyway).
    if (this.entries.size >= this.maxEntries && !this.entries.has(pid)) this.evict();
    this.entries.set(pid, info);
  }

  /** Makes room: the oldest exited entry, or, in a table full of live processes (rare), the oldest eighth of them in one pass. */
  private evict(): void {
    while (this.exitPids.length > 0) {
      const pid = this.exitPids.shift();
      if (!this.dropIfExitedAt(pid, this.exitTimes.shift())) continue; // pid reused since
      this.otherComms.delete(pid);
      this.evictions++;
      return;
    }
    for (const pid of this.entries.deleteOldestLive(Math.max(1, Math.floor(this.maxEntries / 8)))) {
      this.otherComms.delete(pid);
      this.evictions++;
    }
  }
}
