// The address a UDP datagram left with, for sockets that hold only the wildcard: a real send
// from an unbound socket to a network namespace behind a veth must be recorded with the veth's
// host address (the route's choice), not 0.0.0.0 / ::, and a socket bound to an address keeps it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createEbpfSource } from '../../../src/capture/ebpf';
import { defaultBpfObjectPath } from '../../../src/capture/ebpf/object-path';
import { silentLogger } from '../../../src/core/context';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { CaptureSource } from '../../../src/core/stages';
import { CollectingOutput } from '../../helpers/collecting-output';
import { createRemoteHost, netnsUnavailable, type RemoteHost } from '../../helpers/netns';
import { waitForValue } from '../../helpers/wait';
import { ensureBpfObject, kernelSkipReason, killChildren, PYTHON, startChild } from './helpers';

const skip = kernelSkipReason() || netnsUnavailable() || false;

/** Sends one datagram and prints the socket's local port. `bind` is the address bound first, if any. */
const SEND_PY = `
import socket, sys
family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
if len(sys.argv) > 3:
    s.bind((sys.argv[3], 0))
for _ in range(3):
    s.sendto(b'x', (sys.argv[1], int(sys.argv[2])))
print(s.getsockname()[1], flush=True)
`;

describe('ebpf: UDP source address from the datagram', { skip }, () => {
  let source: CaptureSource | undefined;
  let remote: RemoteHost | undefined;
  const output = new CollectingOutput();
  /** IPv6 addresses on the veth (fd00::/8, no duplicate detection so they are usable at once). */
  let local6 = '';
  let remote6 = '';

  before(async () => {
    remote = await createRemoteHost();
    const n = remote.localIp.split('.')[2];
    local6 = `fd00:213:${n}::1`;
    remote6 = `fd00:213:${n}::2`;
    execFileSync('ip', ['addr', 'add', `${local6}/64`, 'dev', remote.hostVeth, 'nodad']);
    execFileSync('ip', ['-n', remote.namespace, 'addr', 'add', `${remote6}/64`, 'dev', `ptv${n}n`, 'nodad']);
    ensureBpfObject();
    source = createEbpfSource({ logger: silentLogger, ignorePid: process.pid, dns: { objectPath: defaultBpfObjectPath('dns.bpf.o') } });
    await source.start(output);
  });

  after(async () => {
    killChildren();
    await source?.close();
    await remote?.close();
  });

  async function send(to: string, bind?: string): Promise<ConnectionEvent> {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const run = startChild(PYTHON, ['-c', SEND_PY, to, String(port), ...(bind ? [bind] : [])]);
    const localPort = Number(await run.nextLine());
    await run.exited;
    return waitForValue(`udp flow to ${to}:${port}`, () =>
      output.conns.find((c) => c.transport === 'udp' && c.direction === 'egress' && c.remote.ip === to && c.remote.port === port && c.local.port === localPort),
    );
  }

  it('an unbound socket is recorded with the address its datagram left with', async () => {
    const flow = await send(remote!.ip);
    assert.equal(flow.local.ip, remote!.localIp);
    assert.equal(flow.process?.pid !== undefined, true);
  });

  it('a socket bound to the IPv4 wildcard is recorded with the address its datagram left with', async () => {
    const flow = await send(remote!.ip, '0.0.0.0');
    assert.equal(flow.local.ip, remote!.localIp);
  });

  it('a socket bound to an address keeps that address', async () => {
    // 127.0.0.1 cannot reach the namespace; the veth address can, and is what the socket holds.
    const flow = await send(remote!.ip, remote!.localIp);
    assert.equal(flow.local.ip, remote!.localIp);
  });

  it('an unbound IPv6 socket is recorded with the address its datagram left with', async () => {
    const flow = await send(remote6);
    assert.equal(flow.local.ip, local6);
  });

  it('counts the flows it filled', () => {
    const stats = source!.stats().dns?.udpSources;
    assert.ok(stats, 'udp source counters present');
    assert.ok(stats.filled >= 3, `filled ${stats.filled}`);
  });
});
