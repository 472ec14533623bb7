// End to end: the built sensor with its store and a UDP syslog sink, a real process that
// transfers known sizes over loopback and closes. The store keeps the close (query --json
// prints its ECS bytes and duration); the syslog sink, with closes off by default, gets the
// connection's start but not its close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCliSync, startCli } from '../helpers/cli-run';

const skip = process.getuid?.() !== 0 ? 'needs root for kernel capture' : false;
const dir = mkdtempSync(join(tmpdir(), 'pt-end-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One process, both ends: connects to its own listener, sends N, answers M, closes both; prints the ports. */
const TRANSFER_PY = `
import socket, sys
n, m = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname())
a, _ = srv.accept()
c.sendall(b'x' * n)
got = 0
while got < n: got += len(a.recv(65536))
a.sendall(b'y' * m); a.close()
got = 0
while True:
    b = c.recv(65536)
    if not b: break
    got += len(b)
print(srv.getsockname()[1], c.getsockname()[1], got, flush=True)
c.close(); srv.close()
`;

test('the store keeps a close with its bytes and query --json prints them; syslog does not get it by default', { skip }, async () => {
  const receiver = dgram.createSocket('udp4');
  const lines: string[] = [];
  receiver.on('message', (m) => lines.push(m.toString('utf8')));
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  const store = join(dir, 'pt.db');
  const sensor = await startCli(['run', '--store', store, '--syslog', `udp://127.0.0.1:${receiver.address().port}`, '--source', 'ebpf', '--no-console', '--log-level', 'warn']);
  let serverPort = 0;
  let clientPort = 0;
  try {
    const run = spawnSync('/usr/bin/python3', ['-c', TRANSFER_PY, '50000', '700'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [sp, cp, got] = run.stdout.trim().split(' ').map(Number) as [number, number, number];
    assert.equal(got, 700);
    serverPort = sp;
    clientPort = cp;
    const mine = (l: string) => l.includes(`sport="${clientPort}"`);
    for (let i = 0; i < 60 && !lines.some(mine); i++) await sleep(250);
    assert.ok(
      lines.some((l) => mine(l) && l.includes('action="connection_attempted"')),
      'syslog has the connection',
    );
    await sleep(1000); // the close was drained with the connect or soon after: give it time to arrive, if it were sent
  } finally {
    assert.equal(await sensor.stop(), 0);
    receiver.close();
  }
  assert.equal(lines.filter((l) => l.includes(`sport="${clientPort}"`) && l.includes('connection_closed')).length, 0, 'syslog, closes off by default, got no close');

  const r = runCliSync(['query', '--store', store, '--action', 'connection_closed', '--port', String(serverPort), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const closes = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((rec) => rec.source.port === clientPort);
  assert.equal(closes.length, 1, `the client's close: ${r.stdout}`);
  const rec = closes[0];
  assert.deepEqual(rec.event.type, ['end', 'connection']);
  assert.equal(rec.event.action, 'connection_closed');
  assert.equal(rec.network.direction, 'egress');
  assert.equal(rec.source.bytes, 50_000);
  assert.equal(rec.destination.bytes, 700);
  assert.equal(rec.network.bytes, 50_700);
  assert.ok(rec.network.packets > 0);
  assert.ok(rec.event.duration > 0);
  assert.equal(rec.process.name, 'python3');
  // The accepted end's close, from the same process: the client is still the source.
  const accepted = runCliSync(['query', '--store', store, '--action', 'connection_closed', '--local-port', String(serverPort), '--json']);
  const inn = accepted.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  assert.equal(inn.length, 1, accepted.stdout);
  assert.deepEqual([inn[0].network.direction, inn[0].source.port, inn[0].source.bytes, inn[0].destination.bytes], ['ingress', clientPort, 50_000, 700]);
  // The table shows the duration and the bytes on the close's line.
  const table = runCliSync(['query', '--store', store, '--action', 'connection_closed', '--port', String(serverPort)]);
  assert.match(table.stdout, /connection_closed \d+\.\d\ds out=50000B in=700B/);
});
