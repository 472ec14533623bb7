// Our own tracefs instances (instances/packettrail-<pid>[-v6]): creating, configuring,
// removing, and sweeping the ones a crashed earlier run left behind. Own instances keep us
// off the global buffer other tools (perf, trace-cmd) use.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PtError, errorMessage } from '../../core/errors';
import { pidAlive } from '../../process/pid-alive';

export const TRACEFS_ROOT = '/sys/kernel/tracing';
const INSTANCE_NAME = /^packettrail-(\d+)(?:-[a-z0-9]+)?$/;

export function tracefsMounted(root = TRACEFS_ROOT): boolean {
  return fs.existsSync(path.join(root, 'instances'));
}

export function kernelHasTracefs(): boolean {
  try {
    return /\btracefs\b/.test(fs.readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Mounts tracefs at its usual place when it is missing (needs root). */
export function ensureTracefsMounted(root = TRACEFS_ROOT): void {
  if (tracefsMounted(root)) return;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', root], { stdio: 'pipe' });
  } catch (err) {
    throw new PtError('E_CAPTURE', `tracefs is not mounted and mounting it at ${root} failed: ${errorMessage(err)}`, { cause: err });
  }
  if (!tracefsMounted(root)) throw new PtError('E_CAPTURE', `tracefs mounted at ${root} has no instances/ directory`);
}

/** Disable every event in an instance, then remove it. Returns an error text or undefined. */
export function removeInstanceDir(dir: string): string | undefined {
  try {
    fs.writeFileSync(path.join(dir, 'events', 'enable'), '0');
  } catch {
    // Removal below still disables what is left.
  }
  try {
    fs.rmdirSync(dir);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** Removes packettrail-<pid> instances whose pid is gone. Returns the names removed. */
export function sweepStaleInstances(root = TRACEFS_ROOT, isAlive: (pid: number) => boolean = pidAlive): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, 'instances'));
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = INSTANCE_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    if (removeInstanceDir(path.join(root, 'instances', name)) === undefined) removed.push(name);
  }
  return removed;
}

export interface EventSpec {
  /** "group/event" */
  event: string;
  filter?: string;
  /** Missing on some kernels (no syscall tracepoints, no fib events): skip instead of failing. */
  optional?: boolean;
  /** The filter only saves work (user space checks too): enable unfiltered if the kernel refuses it. */
  filterOptional?: boolean;
}

export interface InstanceConfig {
  name: string;
  /** options/fields: print every field (needed to see skaddr). */
  fieldsMode: boolean;
  bufferKb: number;
  events: EventSpec[];
}

export interface TraceInstance {
  readonly dir: string;
  /** Optional events this kernel lacks, with the reason. */
  readonly skipped: string[];
  readonly pipePath: string;
  /** Sum over CPUs of overrun + dropped events (for lost-event accounting). */
  lostCount(): number;
  remove(): string | undefined;
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

export function createInstance(cfg: InstanceConfig, root = TRACEFS_ROOT): TraceInstance {
  const dir = path.join(root, 'instances', cfg.name);
  if (fs.existsSync(dir)) removeInstanceDir(dir);
  fs.mkdirSync(dir);
  const skipped: string[] = [];
  const instance: TraceInstance = {
    dir,
    skipped,
    pipePath: path.join(dir, 'trace_pipe'),
    lostCount: () => lostCount(dir),
    remove: () => removeInstanceDir(dir),
  };
  try {
    write(path.join(dir, 'tracing_on'), '0');
    // mono = CLOCK_MONOTONIC, the clock process.hrtime() reads: one offset converts to epoch.
    write(path.join(dir, 'trace_clock'), 'mono');
    write(path.join(dir, 'options', 'record-tgid'), '1');
    write(path.join(dir, 'options', 'fields'), cfg.fieldsMode ? '1' : '0');
    write(path.join(dir, 'buffer_size_kb'), String(cfg.bufferKb));
    for (const ev of cfg.events) {
      const evDir = path.join(dir, 'events', ev.event);
      try {
        if (ev.filter) {
          try {
            write(path.join(evDir, 'filter'), ev.filter);
          } catch (err) {
            if (!ev.filterOptional || !fs.existsSync(evDir)) throw err;
            write(path.join(evDir, 'filter'), '0'); // clear the refused one explicitly
            skipped.push(`${ev.event} filter ${ev.filter}: ${errorMessage(err)} (enabled unfiltered)`);
          }
        }
        write(path.join(evDir, 'enable'), '1');
      } catch (err) {
        if (!ev.optional) throw err;
        skipped.push(`${ev.event}: ${errorMessage(err)}`);
      }
    }
  } catch (err) {
    instance.remove();
    throw new PtError('E_CAPTURE', `configuring tracefs instance ${cfg.name} failed: ${errorMessage(err)}`, { cause: err });
  }
  return instance;
}

export function startTracing(inst: TraceInstance): void {
  write(path.join(inst.dir, 'tracing_on'), '1');
}

function lostCount(dir: string): number {
  let total = 0;
  let cpus: string[];
  try {
    cpus = fs.readdirSync(path.join(dir, 'per_cpu'));
  } catch {
    return 0;
  }
  for (const cpu of cpus) {
    try {
      const text = fs.readFileSync(path.join(dir, 'per_cpu', cpu, 'stats'), 'utf8');
      total += statNumber(text, 'overrun') + statNumber(text, 'dropped events');
    } catch {
      // CPU went offline; its counters are gone with it.
    }
  }
  return total;
}

function statNumber(text: string, key: string): number {
  const m = new RegExp(`^${key}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
