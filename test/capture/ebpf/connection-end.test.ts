// Connection end in the kernel: a real server process reads N bytes and writes M back, a real
// client process sends N, reads M, and both close; each end's close record must carry its own
// process, the bytes each way (payload: exactly N and M), packets, and the duration the client
// measured. A refused connect must give no close, and with closes off the kernel sends none.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createEbpfSource } from '../../../src/capture/ebpf';
import { silentLogger } from '../../../src/core/context';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { CaptureSource } from '../../../src/core/stages';
import { toEcs } from '../../../src/format/ecs-reference';
import { CollectingOutput } from '../../helpers/collecting-output';
import { env } from '../../helpers/events';
import { waitForValue } from '../../helpers/wait';
import { ensureBpfObject, kernelSkipReason, killChildren, PYTHON, startChild } from './helpers';

const skip = kernelSkipReason();

/**
 * How the connection ends. server-first: the server writes M and shuts down first; client-first:
 * the client shuts down after sending, then the server writes M and closes; reset: the client
 * aborts (SO_LINGER 0) after its N bytes, and the server gets a reset.
 */
type Ending = 'server-first' | 'client-first' | 'reset';

/** Accepts one connection, reads N bytes, writes M (not on a reset), closes; prints its port first. */
const SERVER_PY = `
import socket, sys
n, m, host, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
s.bind((host, 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
got = 0
while got < n:
    b = c.recv(65536)
    if not b: break
    got += len(b)
try:
    if mode == 'client-first':
        while c.recv(65536): pass
        c.sendall(b'y' * m)
    elif mode == 'server-first':
        c.sendall(b'y' * m)
        c.shutdown(socket.SHUT_WR)
        while c.recv(65536): pass
    else:
        while c.recv(65536): pass
except ConnectionResetError:
    pass
c.close(); s.close()
`;

/** Connects, sends N bytes, waits, then ends as told; prints its local port, the wall time from connect to close (ns) and the bytes read. */
const CLIENT_PY = `
import socket, struct, sys, time
host, port, n, pause, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
t0 = time.monotonic_ns()
c = socket.create_connection((host, port))
c.sendall(b'x' * n)
time.sleep(pause)
got = 0
if mode == 'reset':
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
else:
    if mode == 'client-first': c.shutdown(socket.SHUT_WR)
    while True:
        b = c.recv(65536)
        if not b: break
        got += len(b)
lport = c.getsockname()[1]
c.close()
print(lport, time.monotonic_ns() - t0, got, flush=True)
`;

describe('connection end (real kernel, closes on)', { skip }, () => {
  let source: CaptureSource | undefined;
  const output = new CollectingOutput();
  const { conns } = output;

  before(async () => {
    source = createEbpfSource({ logger: silentLogger, bpfObjectPath: ensureBpfObject(), ignorePid: process.pid, closes: true });
    await source.start(output);
  });

  after(async () => {
    killChildren();
    await source?.close();
  });

  function closeOf(pid: number, localPort: number): Promise<ConnectionEvent> {
    return waitForValue(`close of pid ${pid} port ${localPort}`, () => conns.find((c) => c.action === 'connection_closed' && c.process?.pid === pid && c.local.port === localPort));
  }

  /** A transfer of n bytes up and m down through a pause; both ends' close records and the client's figures. */
  async function transfer(host: string, n: number, m: number, pauseS: number, ending: Ending = 'server-first') {
    const server = startChild(PYTHON, ['-c', SERVER_PY, String(n), String(m), host, ending]);
    const port = Number(await server.nextLine());
    const client = startChild(PYTHON, ['-c', CLIENT_PY, host, String(port), String(n), String(pauseS), ending]);
    const [lport, wallNs, got] = (await client.nextLine()).split(' ').map(Number) as [number, number, number];
    assert.equal(await client.exited, 0);
    assert.equal(await server.exited, 0);
    assert.equal(got, ending === 'reset' ? 0 : m, 'the client read all the server wrote');
    const out = await closeOf(client.pid, lport);
    const inn = await closeOf(server.pid, port);
    return { out, inn, port, lport, wallNs, client: client.pid, server: server.pid };
  }

  for (const host of ['127.0.0.1', '::1']) {
    it(`${host}: each end's close carries its process, the payload bytes each way, packets and the duration`, async () => {
      const n = 100_000;
      const m = 3_000;
      const { out, inn, port, lport, wallNs, client, server } = await transfer(host, n, m, 0.3);

      assert.deepEqual([out.direction, out.transport, out.outcome, out.capture, out.attribution], ['egress', 'tcp', 'success', 'ebpf', 'syscall']);
      assert.equal(out.process?.pid, client);
      assert.equal(out.process?.name, 'python3');
      assert.deepEqual(out.remote, { ip: host, port });
      assert.ok(out.end, 'the client close has an end');
      console.log('DBG', JSON.stringify(out.end), JSON.stringify(inn.end));
      // Payload only: no headers, and the SYN and FIN the kernel's counters include come off.
      assert.equal(out.end.bytesOut, n, 'sent and acknowledged: the payload exactly');
      assert.equal(out.end.bytesIn, m, 'received: the payload exactly');
      assert.ok((out.end.packetsOut ?? 0) > 0 && (out.end.packetsIn ?? 0) > 0, 'packets each way');
      // Duration: from the connect call to the close; the client's wall time spans slightly more.
      const durationNs = out.end.durationNs;
      assert.ok(durationNs >= 300_000_000, `at least the pause: ${durationNs}`);
      assert.ok(Math.abs(durationNs - wallNs) < 100_000_000, `close to the wall time measured (${durationNs} vs ${wallNs} ns)`);

      assert.deepEqual([inn.direction, inn.process?.pid], ['ingress', server], 'the accepting process owns the accepted close');
      assert.deepEqual(inn.remote, { ip: host, port: lport });
      assert.ok(inn.end);
      assert.equal(inn.end.bytesIn, n);
      assert.equal(inn.end.bytesOut, m);
      assert.ok((inn.end.packetsIn ?? 0) > 0 && (inn.end.packetsOut ?? 0) > 0);
      assert.ok(inn.end.durationNs > 250_000_000 && inn.end.durationNs <= durationNs, `accepted later than the connect call: ${inn.end.durationNs}`);

      // ECS: source is the initiator on both records, so its bytes are the client's sending.
      for (const ev of [out, inn]) {
        const doc = toEcs(ev, env) as Record<string, any>;
        assert.deepEqual(doc.event.type, ['end', 'connection']);
        assert.equal(doc.event.action, 'connection_closed');
        assert.equal(doc.source.port, lport);
        assert.equal(doc.source.bytes, n);
        assert.equal(doc.destination.port, port);
        assert.equal(doc.destination.bytes, m);
        assert.equal(doc.network.bytes, n + m);
        assert.equal(doc.network.packets, ev.end!.packetsIn! + ev.end!.packetsOut!);
        assert.equal(doc.event.duration, ev.end!.durationNs);
      }
    });
  }

  it('a reset: the aborting end counts what it sent, the reset end says ECONNRESET', async () => {
    const n = 20_000;
    const { out, inn } = await transfer('127.0.0.1', n, 0, 0.2, 'reset');
    assert.deepEqual([out.end?.bytesOut, out.end?.bytesIn], [n, 0]);
    assert.equal(out.errno, undefined, 'the aborting end has no socket error');
    assert.deepEqual([inn.end?.bytesIn, inn.end?.bytesOut], [n, 0]);
    assert.equal(inn.errno, 104, 'ECONNRESET on the end that was reset');
  });

  it('a refused connect has no close', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const code = `import socket,sys\ntry:\n  socket.create_connection(('127.0.0.1', int(sys.argv[1])))\nexcept ConnectionRefusedError:\n  print('refused', flush=True)`;
    const run = startChild(PYTHON, ['-c', code, String(port)]);
    assert.equal(await run.nextLine(), 'refused');
    await run.exited;
    const refused = await waitForValue('refused connect', () => conns.find((c) => c.process?.pid === run.pid && c.action === 'connection_attempted'));
    assert.equal(refused.outcome, 'failure');
    // A later connection's close arriving proves the ring was drained past the refused one.
    const later = await transfer('127.0.0.1', 10, 10, 0);
    assert.ok(later.out.end);
    assert.equal(
      conns.some((c) => c.action === 'connection_closed' && c.process?.pid === run.pid),
      false,
    );
  });
});

describe('connection end (real kernel, closes off)', { skip }, () => {
  it('the kernel sends no close when no sink wants them', async () => {
    const output = new CollectingOutput();
    const source = createEbpfSource({ logger: silentLogger, bpfObjectPath: ensureBpfObject(), ignorePid: process.pid });
    await source.start(output);
    try {
      const server = startChild(PYTHON, ['-c', SERVER_PY, '10', '10', '127.0.0.1', 'server-first']);
      const port = Number(await server.nextLine());
      const client = startChild(PYTHON, ['-c', CLIENT_PY, '127.0.0.1', String(port), '10', '0', 'server-first']);
      await client.nextLine();
      await client.exited;
      await server.exited;
      await waitForValue('the accept', () => output.conns.find((c) => c.process?.pid === server.pid && c.action === 'connection_accepted'));
      // The accept was drained after both closes happened: a close would have been in the same drain.
      assert.equal(
        output.conns.some((c) => c.action === 'connection_closed'),
        false,
      );
    } finally {
      killChildren();
      await source.close();
    }
  });
});
