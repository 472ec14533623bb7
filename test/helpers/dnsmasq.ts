// A real DNS server for the tests: Debian's dnsmasq binary (package dnsmasq-base, no system
// service) on a loopback port, answering a test zone and nothing else, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { Resolver } from 'node:dns/promises';

const DNSMASQ = '/usr/sbin/dnsmasq';

/** Why dnsmasq cannot run here, or false. */
export function dnsmasqSkipReason(): string | false {
  return fs.existsSync(DNSMASQ) ? false : 'dnsmasq is not installed (scripts/ensure.sh test installs dnsmasq-base)';
}

export interface Dnsmasq {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A free UDP port on 127.0.0.1 (bound and released; dnsmasq binds it next). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Starts dnsmasq answering `records` (name -> IPv4 address, TTL `ttlS`) and `cnames`
 * (alias -> target), with no upstream, no /etc/hosts, no pid file; resolves once it answers.
 */
export async function startDnsmasq(records: ReadonlyMap<string, string>, opts: { cnames?: ReadonlyMap<string, string>; ttlS?: number } = {}): Promise<Dnsmasq> {
  const port = await freeUdpPort();
  // A conf file, not arguments: a loop test serves hundreds of names.
  const conf = [...records].map(([name, ip]) => `host-record=${name},${ip}`);
  for (const [alias, target] of opts.cnames ?? []) conf.push(`cname=${alias},${target}`);
  const confFile = `${fs.mkdtempSync('/tmp/pt-dnsmasq-')}/zone.conf`;
  fs.writeFileSync(confFile, `${conf.join('\n')}\n`);
  const args = [
    '--keep-in-foreground',
    `--conf-file=${confFile}`,
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--user=root',
    `--local-ttl=${opts.ttlS ?? 300}`,
    '--log-facility=-',
    '--quiet-dhcp',
  ];
  const child: ChildProcess = spawn(DNSMASQ, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    await exited;
    fs.rmSync(confFile.slice(0, confFile.lastIndexOf('/')), { recursive: true, force: true });
  };
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([`127.0.0.1:${port}`]);
  const first = [...records.keys()][0];
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
    try {
      if (first) await probe.resolve4(first);
      break;
    } catch (err) {
      if (i > 50) {
        await stop();
        throw new Error(`dnsmasq did not answer: ${String(err)} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { port, pid: child.pid!, stop };
}
