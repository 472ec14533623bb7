// Synthetic but host-like connection records for the store benchmark: a few thousand
// processes of a few dozen programs under a handful of users, remote addresses drawn with a
// Zipf skew (a few addresses take most connections, a long tail is seen once or twice), most
// traffic egress to 443/80/53, some ingress to local services. As on a real host, a remote
// address is mostly reached on one port by one program (a mirror by apt, a database by the
// app server); one connection in twenty goes to a random process. Deterministic for a seed.
import type { ConnectionEvent, ProcessInfo } from '../../src/core/connection-event';

const PROGRAMS = [
  '/usr/bin/curl',
  '/usr/bin/wget',
  '/usr/lib/firefox/firefox',
  '/usr/bin/python3.11',
  '/usr/bin/node',
  '/usr/sbin/sshd',
  '/usr/bin/ssh',
  '/usr/lib/systemd/systemd-resolved',
  '/usr/sbin/chronyd',
  '/usr/bin/apt-get',
  '/usr/lib/apt/methods/http',
  '/usr/bin/git',
  '/usr/bin/docker',
  '/usr/bin/containerd',
  '/usr/sbin/nginx',
  '/usr/bin/postgres',
  '/usr/bin/redis-server',
  '/usr/bin/java',
  '/opt/app/bin/server',
  '/usr/bin/dig',
  '/usr/bin/rsync',
  '/usr/bin/pip',
  '/usr/local/bin/agent',
  '/usr/bin/snapd',
  '/usr/bin/code',
  '/usr/bin/slack',
  '/usr/bin/zoom',
  '/usr/bin/thunderbird',
  '/usr/sbin/named',
  '/usr/bin/go',
  '/usr/bin/cargo',
  '/usr/bin/npm',
  '/usr/bin/ruby',
  '/usr/bin/perl',
  '/usr/sbin/exim4',
  '/usr/bin/ntpdate',
  '/usr/bin/telnet',
  '/usr/bin/nc',
];
const USERS: ReadonlyArray<readonly [number, string]> = [
  [0, 'root'],
  [1000, 'alice'],
  [1001, 'bob'],
  [33, 'www-data'],
  [999, 'postgres'],
];
const PORTS = [443, 443, 443, 443, 443, 443, 80, 80, 53, 53, 22, 5432, 6379, 8080, 123, 993];

/** A small fast PRNG (mulberry32): the data set is the same on every run. */
export class Random {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Index 0..n-1 with P(k) ~ 1/(k+1)^s (s ≠ 1), by inverse transform over the continuous approximation. */
  zipf(n: number, s = 1.1): number {
    const u = this.next();
    const a = 1 - s;
    const max = ((n + 1) ** a - 1) / a;
    return Math.min(n - 1, Math.floor((u * max * a + 1) ** (1 / a) - 1));
  }
}

export interface SyntheticOptions {
  readonly processes: number;
  readonly remotes: number;
  readonly startUs: number;
  readonly spanUs: number;
  readonly total: number;
  readonly seed: number;
}

export class SyntheticHost {
  readonly processes: ProcessInfo[] = [];
  readonly remoteIps: string[] = [];
  /** Per remote address: the port it serves and the processes of the program that uses it. */
  private readonly remotePort: number[] = [];
  private readonly remoteUsers: ProcessInfo[][] = [];
  private readonly rnd: Random;

  constructor(private readonly opts: SyntheticOptions) {
    this.rnd = new Random(opts.seed);
    for (let i = 0; i < opts.processes; i++) {
      const exe = PROGRAMS[this.rnd.zipf(PROGRAMS.length, 0.8)]!;
      const [uid, userName] = USERS[this.rnd.zipf(USERS.length, 1.2)]!;
      const name = exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15);
      const pid = 1000 + i * 7;
      this.processes.push({
        pid,
        name,
        executable: exe,
        commandLine: `${exe} --task ${i} --config /etc/${name}/config.yaml`,
        args: [exe, '--task', String(i), '--config', `/etc/${name}/config.yaml`],
        startMs: Math.floor(opts.startUs / 1000) + i * 1000,
        startTicks: 100_000 + i,
        entityId: `ent-${i.toString(36)}-${((i * 2654435761) >>> 0).toString(36)}`,
        parent: { pid: 1, name: 'systemd', executable: '/usr/lib/systemd/systemd' },
        uid,
        userName,
      });
    }
    for (let i = 0; i < opts.remotes; i++) {
      // One in ten remote addresses is IPv6; the rest spread over public and private ranges.
      const r = this.rnd.next();
      if (i % 10 === 9) this.remoteIps.push(`2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`);
      else if (r < 0.3) this.remoteIps.push(`10.${this.rnd.int(256)}.${this.rnd.int(256)}.${1 + this.rnd.int(254)}`);
      else this.remoteIps.push(`${11 + this.rnd.int(200)}.${this.rnd.int(256)}.${this.rnd.int(256)}.${1 + this.rnd.int(254)}`);
      this.remotePort.push(PORTS[this.rnd.int(PORTS.length)]!);
    }
    const byProgram = new Map<string, ProcessInfo[]>();
    for (const p of this.processes) byProgram.set(p.executable!, [...(byProgram.get(p.executable!) ?? []), p]);
    const programs = [...byProgram.values()];
    for (let i = 0; i < opts.remotes; i++) this.remoteUsers.push(programs[this.rnd.zipf(programs.length, 0.8)]!);
  }

  /** Record number i of `total`, at an even pace over the span. */
  event(i: number): ConnectionEvent {
    const rnd = this.rnd;
    const remote = rnd.zipf(this.remoteIps.length, 1.1);
    const remoteIp = this.remoteIps[remote]!;
    const users = this.remoteUsers[remote]!;
    const process = rnd.next() < 0.95 ? users[rnd.zipf(users.length, 0.9)]! : this.processes[rnd.zipf(this.processes.length, 0.9)]!;
    const v6 = remoteIp.includes(':');
    const ingress = rnd.next() < 0.1;
    const timeUs = this.opts.startUs + Math.floor((i * this.opts.spanUs) / this.opts.total);
    const udp = !ingress && rnd.next() < 0.15;
    return {
      timeUs,
      action: ingress ? 'connection_accepted' : udp ? 'udp_flow' : 'connection_attempted',
      outcome: rnd.next() < 0.03 ? 'failure' : 'success',
      transport: udp ? 'udp' : 'tcp',
      family: v6 ? 'ipv6' : 'ipv4',
      direction: ingress ? 'ingress' : 'egress',
      local: { ip: v6 ? '2001:db8::10' : '192.0.2.10', port: ingress ? [22, 443, 8080][rnd.int(3)]! : 32768 + rnd.int(28000) },
      remote: { ip: remoteIp, port: ingress ? 32768 + rnd.int(28000) : udp ? 53 : rnd.next() < 0.9 ? this.remotePort[remote]! : PORTS[rnd.int(PORTS.length)]! },
      process,
      tid: process.pid,
      capture: 'ebpf',
      attribution: 'syscall',
    };
  }
}
