// The domain behind each address, end to end: the built sensor (ebpf tier) runs, a real
// dnsmasq on a loopback port serves a test zone, real programs look names up and connect to
// the answers (listeners on 127.0.x.y). A program's connection carries the name it asked
// for; another program connecting to the same address without asking carries none, unless
// the linkage is host-wide. A loop of 200 resolve+connect pairs measures the share named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCli } from '../helpers/cli-run';
import { dnsmasqSkipReason, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq';
import { repoRoot } from '../helpers/repo';
import { waitFor } from '../helpers/wait';

function kernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the ebpf tier needs Linux';
  if (process.getuid?.() !== 0) return 'the ebpf tier needs root';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF';
  return undefined;
}

const skip = kernelUnavailable() ?? (dnsmasqSkipReason() || false);

const LOOP_PROCESSES = 40;
const NAMES_PER_PROCESS = 5;
const SHOP = { name: 'shop.e2e.test', ip: '127.0.2.1' };
const loopName = (i: number) => `n${i}.loop.e2e.test`;
const loopIp = (i: number) => `127.0.1.${i + 1}`;

type EcsRecord = Record<string, any>;

const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-dns-'));
let dnsmasq: Dnsmasq | undefined;
const servers: net.Server[] = [];
let listenPort = 0;
/** A "DNS server" on a port of its own that answers garbage. */
let hostile: dgram.Socket | undefined;

function listen(ip: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((sock) => sock.destroy());
    s.once('error', reject);
    s.listen(port, ip, () => resolve(s));
  });
}

before(async () => {
  if (skip) return;
  execFileSync('bash', [path.join(repoRoot(), 'scripts/build-bpf.sh')], { stdio: 'inherit' });
  const zone = new Map([[SHOP.name, SHOP.ip]]);
  for (let i = 0; i < LOOP_PROCESSES * NAMES_PER_PROCESS; i++) zone.set(loopName(i), loopIp(i));
  dnsmasq = await startDnsmasq(zone);
  hostile = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => hostile!.bind(0, '127.0.0.1', resolve));
  const first = await listen(SHOP.ip, 0);
  servers.push(first);
  listenPort = (first.address() as net.AddressInfo).port;
  for (let i = 0; i < LOOP_PROCESSES * NAMES_PER_PROCESS; i++) servers.push(await listen(loopIp(i), listenPort));
});

after(async () => {
  hostile?.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await dnsmasq?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface ProgramRun {
  pid: number;
  /** item -> [ip, local port] */
  lines: Map<string, [string, number]>;
}

/** Runs the resolve-connect program to its end. */
function program(mode: 'resolve' | 'direct', items: readonly string[]): Promise<ProgramRun> {
  const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/test/helpers/resolve-connect-child.js'), String(dnsmasq!.port), String(listenPort), mode, ...items], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`resolve-connect exited with ${code}`));
      const lines = new Map<string, [string, number]>();
      for (const l of out.trim().split('\n')) {
        const [item, ip, port] = l.split(' ');
        lines.set(item!, [ip!, Number(port)]);
      }
      resolve({ pid: child.pid!, lines });
    }),
  );
}

function records(file: string): EcsRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return l ? [JSON.parse(l) as EcsRecord] : [];
      } catch {
        return [];
      }
    });
}

/** The connect record of `run` to `ip`. */
function connectOf(all: readonly EcsRecord[], run: ProgramRun, ip: string): EcsRecord | undefined {
  return all.find((r) => r.event?.action === 'connection_attempted' && r.process?.pid === run.pid && r.destination?.ip === ip && r.destination?.port === listenPort);
}

/** Garbage from the hostile port to a client that asked it something: the tap must count it and go on. */
async function garbleAnswers(count: number): Promise<void> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const got = new Promise<void>((resolve) => {
    let n = 0;
    client.on('message', () => {
      if (++n === count) resolve();
    });
  });
  client.send(Buffer.from('query'), hostile!.address().port, '127.0.0.1');
  for (let i = 0; i < count; i++) hostile!.send(Buffer.from(`\u0000\u0001garbage ${i} ${'\u00ff'.repeat(i * 7)}`), client.address().port, '127.0.0.1');
  await got;
  client.close();
}

/** The stats record the sensor logs at shutdown. */
function finalStats(stderr: string): Record<string, any> | undefined {
  const lines = stderr.split('\n').filter((l) => l.includes('"type":"stats"'));
  return lines.length ? (JSON.parse(lines.at(-1)!) as Record<string, any>) : undefined;
}

async function sensor(name: string, linkage: 'process' | 'host') {
  const out = path.join(dir, `${name}.jsonl`);
  const config = path.join(dir, `${name}.yaml`);
  // Level info: the stats record at shutdown says what the tap and the domain table counted.
  const ports = `[${dnsmasq!.port}, ${hostile!.address().port}]`;
  fs.writeFileSync(config, ['log:', '  level: info', 'dns:', `  linkage: ${linkage}`, `  ports: ${ports}`, ''].join('\n'));
  const cli = await startCli(['run', '--source', 'ebpf', '--file', out, '--config', config, '--no-console']);
  return { cli, out };
}

test("process linkage: the asker's connection carries the name, another program's does not; 200 pairs all named", { skip, timeout: 120_000 }, async (t) => {
  const { cli, out } = await sensor('process', 'process');
  try {
    const asker = await program('resolve', [SHOP.name]);
    assert.equal(asker.lines.get(SHOP.name)?.[0], SHOP.ip);
    const other = await program('direct', [SHOP.ip]);
    const runs: ProgramRun[] = [];
    for (let p = 0; p < LOOP_PROCESSES; p++) {
      const names = Array.from({ length: NAMES_PER_PROCESS }, (_, k) => loopName(p * NAMES_PER_PROCESS + k));
      runs.push(await program('resolve', names));
    }
    await garbleAnswers(20);
    const lastRun = runs.at(-1)!;
    const lastIp = loopIp(LOOP_PROCESSES * NAMES_PER_PROCESS - 1);
    await waitFor(() => connectOf(records(out), lastRun, lastIp) !== undefined && connectOf(records(out), other, SHOP.ip) !== undefined, 'the last connections to be recorded');
    const all = records(out);

    const asked = connectOf(all, asker, SHOP.ip);
    assert.ok(asked, "the asker's connection is recorded");
    assert.equal(asked.destination.domain, SHOP.name);
    assert.equal(asked.dns?.question?.name, SHOP.name);
    assert.equal(asked.packettrail.domain_source, 'dns_answer');
    const unasked = connectOf(all, other, SHOP.ip);
    assert.ok(unasked);
    assert.equal(unasked.destination.domain, undefined, 'a program that did not ask gets no name from another one');
    assert.equal(unasked.dns, undefined);

    let pairs = 0;
    let named = 0;
    const misses: string[] = [];
    runs.forEach((run, p) => {
      for (let k = 0; k < NAMES_PER_PROCESS; k++) {
        const i = p * NAMES_PER_PROCESS + k;
        const r = connectOf(all, run, loopIp(i));
        pairs++;
        if (r?.destination?.domain === loopName(i)) named++;
        else misses.push(`${loopName(i)}: ${r ? (r.destination?.domain ?? 'no domain') : 'no record'}`);
      }
    });
    t.diagnostic(`resolve+connect pairs named: ${named}/${pairs}`);
    assert.deepEqual(misses, [], 'every connection to a resolved address carries the name');
  } finally {
    assert.equal(await cli.stop(), 0, `sensor stderr: ${cli.stderr().slice(-2000)}`);
  }
  const stats = finalStats(cli.stderr());
  assert.ok(stats, 'a stats record at shutdown');
  const parseErrors = Object.values(stats.source.dns.parseErrors as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.ok(parseErrors >= 20, `garbled answers are counted: ${JSON.stringify(stats.source.dns)}`);
  assert.ok(stats.domains.named >= LOOP_PROCESSES * NAMES_PER_PROCESS + 1, `domains: ${JSON.stringify(stats.domains)}`);
  t.diagnostic(`tap: ${JSON.stringify(stats.source.dns)}; domains: ${JSON.stringify(stats.domains)}`);
});

test('host linkage: a program that did not ask gets the name another one asked for', { skip, timeout: 60_000 }, async () => {
  const { cli, out } = await sensor('host', 'host');
  try {
    await program('resolve', [SHOP.name]);
    const other = await program('direct', [SHOP.ip]);
    await waitFor(() => connectOf(records(out), other, SHOP.ip) !== undefined, "the second program's connection to be recorded");
    assert.equal(connectOf(records(out), other, SHOP.ip)!.destination.domain, SHOP.name);
  } finally {
    assert.equal(await cli.stop(), 0, `sensor stderr: ${cli.stderr().slice(-2000)}`);
  }
});
