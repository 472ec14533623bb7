// The DNS answer tap in the kernel: answers from a real dnsmasq reach user space with the
// process that asked, TCP answers too, and hostile payloads on a DNS port are counted as
// parse errors without stopping the tap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import type { DnsAnswer } from '../../../src/core/dns-answer';
import { DnsTap } from '../../../src/capture/ebpf/dns-tap';
import { loadLibbpf } from '../../../src/capture/ebpf/libbpf';
import { defaultBpfObjectPath } from '../../../src/capture/ebpf/object-path';
import { silentLogger } from '../../../src/core/context';
import { dnsmasqSkipReason, startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';
import { repoRoot } from '../../helpers/repo';
import { kernelSkipReason } from './helpers';

const skip = kernelSkipReason() || dnsmasqSkipReason();

function ensureDnsObject(): string {
  const obj = defaultBpfObjectPath('dns.bpf.o');
  const src = path.join(repoRoot(), 'bpf', 'dns.bpf.c');
  if (!fs.existsSync(obj) || fs.statSync(src).mtimeMs > fs.statSync(obj).mtimeMs) {
    execFileSync('bash', [path.join(repoRoot(), 'scripts/build-bpf.sh')], { stdio: 'inherit' });
  }
  return obj;
}

/** A UDP "server" on a DNS port that answers whatever it is told to, and a TCP one. */
async function udpServer(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

let dnsmasq: Dnsmasq | undefined;
let hostile: dgram.Socket | undefined;
/** On ::1, the same port number as `hostile` (the tap's ports are per number, both families). */
let hostile6: dgram.Socket | undefined;
let tcpServer: net.Server | undefined;
let tcpReply: Buffer = Buffer.alloc(0);
let tap: DnsTap | undefined;

before(async () => {
  if (skip) return;
  dnsmasq = await startDnsmasq(new Map([['api.tap.test', '127.0.0.41']]), { cnames: new Map([['alias.tap.test', 'api.tap.test']]) });
  hostile = await udpServer();
  const six = dgram.createSocket('udp6');
  hostile6 = await new Promise<dgram.Socket | undefined>((resolve) => {
    six.once('error', () => resolve(undefined));
    six.bind(hostile!.address().port, '::1', () => resolve(six));
  });
  tcpServer = net.createServer((sock) => sock.once('data', () => sock.end(tcpReply)));
  await new Promise<void>((resolve) => tcpServer!.listen(0, '127.0.0.1', resolve));
  const tcpPort = (tcpServer.address() as net.AddressInfo).port;
  tap = DnsTap.open(loadLibbpf(), {
    objectPath: ensureDnsObject(),
    extraPorts: [dnsmasq.port, hostile.address().port, tcpPort],
    clockOffsetUs: 0,
    logger: silentLogger,
  });
});

after(async () => {
  tap?.close();
  hostile?.close();
  hostile6?.close();
  await new Promise<void>((resolve) => (tcpServer ? tcpServer.close(() => resolve()) : resolve()));
  await dnsmasq?.stop();
});

function drain(): DnsAnswer[] {
  const out: DnsAnswer[] = [];
  tap!.drain((a) => out.push(a));
  return out;
}

test('an answer from dnsmasq arrives with the asking process, through a CNAME', { skip }, async () => {
  drain();
  const r = new Resolver();
  r.setServers([`127.0.0.1:${dnsmasq!.port}`]);
  assert.deepEqual(await r.resolve4('api.tap.test'), ['127.0.0.41']);
  assert.deepEqual(await r.resolve4('alias.tap.test'), ['127.0.0.41']);
  const got = drain();
  const direct = got.find((a) => a.question === 'api.tap.test');
  const alias = got.find((a) => a.question === 'alias.tap.test');
  assert.ok(direct, `answers: ${JSON.stringify(got)}`);
  assert.equal(direct.pid, process.pid, 'the pid of the process whose socket asked');
  assert.deepEqual(direct.addresses, [{ ip: '127.0.0.41', ttlS: 300 }]);
  assert.ok(alias);
  assert.equal(alias.canonicalName, 'api.tap.test');
  assert.equal(alias.addresses[0]!.ip, '127.0.0.41');
});

test('a TCP answer (length-prefixed) is read from its first segment', { skip }, async () => {
  drain();
  tcpReply = dnsPacket.streamEncode({
    type: 'response',
    id: 9,
    questions: [{ type: 'A', name: 'tcp.tap.test' }],
    answers: [{ type: 'A', name: 'tcp.tap.test', ttl: 30, data: '127.0.0.42' }],
  });
  const port = (tcpServer!.address() as net.AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from([0, 1, 0])));
    s.on('data', () => undefined);
    s.once('end', () => resolve());
    s.once('error', reject);
  });
  const got = drain();
  assert.deepEqual(
    got.map((a) => [a.question, a.pid, a.addresses[0]?.ip]),
    [['tcp.tap.test', process.pid, '127.0.0.42']],
  );
});

test('hostile payloads from a DNS port are counted by kind; the tap goes on reading', { skip }, async () => {
  drain();
  const before = tap!.stats();
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const clientPort = client.address().port;
  const received = new Promise<void>((resolve) => {
    let n = 0;
    client.on('message', () => {
      if (++n === 5) resolve();
    });
  });
  // The client asks first (so the tap knows the socket), then the "server" answers with garbage.
  client.send(Buffer.from('query'), hostile!.address().port, '127.0.0.1');
  const garbage = [
    Buffer.from('definitely not a dns message'),
    Buffer.alloc(1232, 0xff),
    Buffer.from([0x12, 0x34, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xc0, 0x0c]),
    // A valid answer cut short inside its address.
    dnsPacket
      .encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'cut.tap.test' }], answers: [{ type: 'A', name: 'cut.tap.test', ttl: 1, data: '127.0.0.43' }] })
      .subarray(0, -2),
  ];
  const valid = dnsPacket.encode({
    type: 'response',
    id: 2,
    questions: [{ type: 'A', name: 'after.tap.test' }],
    answers: [{ type: 'A', name: 'after.tap.test', ttl: 1, data: '127.0.0.44' }],
  });
  for (const g of [...garbage, valid]) hostile!.send(g, clientPort, '127.0.0.1');
  await received;
  client.close();
  const got = drain();
  const stats = tap!.stats();
  const errors = (s: typeof stats) => Object.values(s.parseErrors).reduce((a, b) => a + b, 0);
  assert.equal(errors(stats) - errors(before), garbage.length, `parse errors: ${JSON.stringify(stats.parseErrors)}`);
  assert.deepEqual(
    got.map((a) => [a.question, a.pid]),
    [['after.tap.test', process.pid]],
  );
});

test('an answer over IPv6 (AAAA, from ::1) is read with the asking process', { skip }, async (t) => {
  if (!hostile6) return t.skip('::1 or the port is not available here');
  drain();
  const client = dgram.createSocket('udp6');
  await new Promise<void>((resolve) => client.bind(0, '::1', resolve));
  const got = new Promise<void>((resolve) => client.once('message', () => resolve()));
  client.send(Buffer.from('query'), hostile6.address().port, '::1');
  const answer = dnsPacket.encode({
    type: 'response',
    id: 3,
    questions: [{ type: 'AAAA', name: 'v6.tap.test' }],
    answers: [{ type: 'AAAA', name: 'v6.tap.test', ttl: 9, data: '2001:db8::6' }],
  });
  hostile6.send(answer, client.address().port, '::1');
  await got;
  client.close();
  assert.deepEqual(
    drain().map((a) => [a.question, a.pid, a.addresses]),
    [['v6.tap.test', process.pid, [{ ip: '2001:db8::6', ttlS: 9 }]]],
  );
});
