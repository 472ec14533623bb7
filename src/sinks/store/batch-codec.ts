// Records as the sensor's thread hands them to the store's writer thread: per connection a run
// of numbers in one Float64Array (its buffer is transferred, not copied), its two addresses as
// indexes into the batch's list of distinct addresses (a host talks to the same few addresses
// over and over, so each is cloned once a batch); each process once,
// under a small key, the first time a batch refers to it; a domain likewise as an index into
// the batch's distinct names. A close's duration and counters are numbers of its run (NaN when absent).
// Alerts are rare and go whole.
import type { ConnectionEvent, ProcessInfo } from '../../core/connection-event';
import type { ProcessEnd, ProcessHash } from '../../core/stages';
import { ACTIONS, ATTRIBUTIONS, CAPTURES, DIRECTIONS, OUTCOMES, TRANSPORTS, codeOf } from './codes';

/** Numbers per connection, at these offsets. */
export const FIELDS = 21;
export const F = {
  time: 0,
  process: 1,
  action: 2,
  outcome: 3,
  transport: 4,
  direction: 5,
  capture: 6,
  attribution: 7,
  localPort: 8,
  remotePort: 9,
  tid: 10,
  errno: 11,
  preexisting: 12,
  localAddress: 13,
  remoteAddress: 14,
  domain: 15,
  durationNs: 16,
  bytesOut: 17,
  bytesIn: 18,
  packetsOut: 19,
  packetsIn: 20,
} as const;
/** The process key of a connection without a process; absent tid, errno and domain are NaN. */
export const NO_PROCESS = -1;

export interface EncodedBatch {
  readonly count: number;
  readonly numbers: Float64Array;
  /** The distinct addresses of the batch, which the connections refer to by index. */
  readonly addresses: readonly string[];
  /** The distinct domains of the batch, which the connections refer to by index. */
  readonly domains: readonly string[];
  /** The processes first referred to in this batch, by key. */
  readonly processes: ReadonlyArray<readonly [number, ProcessInfo]>;
  /** True when the writer must forget the keys of earlier batches first. */
  readonly resetProcesses: boolean;
  readonly alerts: readonly ConnectionEvent[];
  readonly ends: readonly ProcessEnd[];
  /** Hashes that came after their process's row. */
  readonly hashes: readonly ProcessHash[];
}

/** Collects records on the sensor's thread until a batch is taken. */
export class BatchEncoder {
  private numbers: number[] = [];
  private addresses: string[] = [];
  private addressIndex = new Map<string, number>();
  private domains: string[] = [];
  private domainIndex = new Map<string, number>();
  private connections = 0;
  private newProcesses: Array<[number, ProcessInfo]> = [];
  private alerts: ConnectionEvent[] = [];
  private ends: ProcessEnd[] = [];
  private hashes: ProcessHash[] = [];
  private keys = new WeakMap<ProcessInfo, number>();
  private nextKey = 0;
  private reset = false;

  /** ProcessInfo objects are shared and never changed: the identity is the key. */
  constructor(private readonly maxKeys = 65_536) {}

  get size(): number {
    return this.connections + this.alerts.length;
  }

  get endCount(): number {
    return this.ends.length;
  }

  get hashCount(): number {
    return this.hashes.length;
  }

  add(ev: ConnectionEvent): void {
    if (ev.alert) {
      this.alerts.push(ev);
      return;
    }
    this.numbers.push(
      ev.timeUs,
      ev.process ? this.processKey(ev.process) : NO_PROCESS,
      codeOf(ACTIONS, ev.action),
      codeOf(OUTCOMES, ev.outcome),
      codeOf(TRANSPORTS, ev.transport),
      codeOf(DIRECTIONS, ev.direction),
      codeOf(CAPTURES, ev.capture),
      codeOf(ATTRIBUTIONS, ev.attribution),
      ev.local.port,
      ev.remote.port,
      ev.tid ?? NaN,
      ev.errno ?? NaN,
      ev.preexisting ? 1 : 0,
      this.address(ev.local.ip),
      this.address(ev.remote.ip),
      ev.domain === undefined ? NaN : this.domain(ev.domain),
      ev.end?.durationNs ?? NaN,
      ev.end?.bytesOut ?? NaN,
      ev.end?.bytesIn ?? NaN,
      ev.end?.packetsOut ?? NaN,
      ev.end?.packetsIn ?? NaN,
    );
    this.connections++;
  }

  private address(ip: string): number {
    let i = this.addressIndex.get(ip);
    if (i === undefined) {
      i = this.addresses.length;
      this.addresses.push(ip);
      this.addressIndex.set(ip, i);
    }
    return i;
  }

  private domain(name: string): number {
    let i = this.domainIndex.get(name);
    if (i === undefined) {
      i = this.domains.length;
      this.domains.push(name);
      this.domainIndex.set(name, i);
    }
    return i;
  }

  end(e: ProcessEnd): void {
    this.ends.push(e);
  }

  hash(h: ProcessHash): void {
    this.hashes.push(h);
  }

  take(): EncodedBatch {
    const batch: EncodedBatch = {
      count: this.connections,
      numbers: Float64Array.from(this.numbers),
      addresses: this.addresses,
      domains: this.domains,
      processes: this.newProcesses,
      resetProcesses: this.reset,
      alerts: this.alerts,
      ends: this.ends,
      hashes: this.hashes,
    };
    this.numbers = [];
    this.addresses = [];
    this.addressIndex = new Map();
    this.domains = [];
    this.domainIndex = new Map();
    this.connections = 0;
    this.newProcesses = [];
    this.alerts = [];
    this.ends = [];
    this.hashes = [];
    this.reset = false;
    if (this.nextKey >= this.maxKeys) {
      // The writer's table of keys stays bounded: from the next batch on, both sides start over.
      this.keys = new WeakMap();
      this.nextKey = 0;
      this.reset = true;
    }
    return batch;
  }

  private processKey(p: ProcessInfo): number {
    let key = this.keys.get(p);
    if (key === undefined) {
      key = this.nextKey++;
      this.keys.set(p, key);
      this.newProcesses.push([key, p]);
    }
    return key;
  }
}
