// The source address UDP datagrams left with, for sockets whose own address is the wildcard
// (unbound, or bound to 0.0.0.0 / ::). Such a socket never holds the address the route chose,
// so its flows are recorded with the wildcard; the DNS tap's egress program reads the address
// off the packet. Flow records are completed here before they reach the pipeline.
import type { Building } from '../../core/building';
import type { ConnectionEvent } from '../../core/connection-event';

/** One (source, destination) pair the kernel saw leave a wildcard socket. */
export interface UdpSourceSighting {
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationPort: number;
}

export interface UdpSourceStats {
  /** Wildcard UDP records given the address their datagram carried. */
  filled: number;
  /** Wildcard UDP records passed on with the wildcard: no datagram of theirs was seen in time. */
  unknown: number;
}

/** Pairs remembered at most: the oldest is forgotten first. */
const DEFAULT_MAX_PAIRS = 16384;

type Flow = Building<ConnectionEvent>;

export class UdpSourceAddresses {
  /** local port + remote ip + remote port -> source ip; insertion order is age order. */
  private readonly sources = new Map<string, string>();
  /** Sends whose datagram was not seen yet, held until the next release. */
  private held: Flow[] = [];
  private readonly counters: UdpSourceStats = { filled: 0, unknown: 0 };

  constructor(private readonly maxPairs = DEFAULT_MAX_PAIRS) {}

  learn(s: UdpSourceSighting): void {
    const key = pairKey(s.sourcePort, s.destinationIp, s.destinationPort);
    // Delete first so a pair seen again (after the kernel's LRU forgot it) becomes the youngest.
    this.sources.delete(key);
    this.sources.set(key, s.sourceIp);
    if (this.sources.size > this.maxPairs) this.sources.delete(this.sources.keys().next().value!);
  }

  /**
   * Completes `ev` when it is a wildcard UDP flow whose datagram was seen, and passes it to
   * `pass`. A send whose datagram is not seen yet is held: the datagram leaves after the send's
   * record is written, so its sighting can miss the drain that reads the record.
   */
  complete(ev: Flow, pass: (ev: Flow) => void): void {
    if (ev.transport !== 'udp' || !isWildcard(ev.local.ip)) {
      pass(ev);
      return;
    }
    if (this.fill(ev) || ev.direction !== 'egress') {
      pass(ev);
      return;
    }
    this.held.push(ev);
  }

  /** Passes on every held send, completed when its datagram has been seen since. */
  release(pass: (ev: Flow) => void): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const ev of held) {
      if (!this.fill(ev)) this.counters.unknown++;
      pass(ev);
    }
  }

  stats(): UdpSourceStats {
    return { ...this.counters };
  }

  private fill(ev: Flow): boolean {
    const ip = this.sources.get(pairKey(ev.local.port, ev.remote.ip, ev.remote.port));
    if (ip === undefined) return false;
    ev.local = { ip, port: ev.local.port };
    this.counters.filled++;
    return true;
  }
}

function pairKey(localPort: number, remoteIp: string, remotePort: number): string {
  return `${localPort} ${remoteIp} ${remotePort}`;
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}
