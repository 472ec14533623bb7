import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger } from '../../../src/core/context';
import { Backoff } from '../../../src/sinks/retry';
import { Reconnector } from '../../../src/sinks/syslog/reconnector';

type Conn = net.Socket & { broken?: boolean };

function connectTo(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock: Conn = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

async function listen(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

test('Reconnector: a refused connect waits out the backoff, concurrent sends share one attempt, and a broken connection is replaced', async (t) => {
  // A port nothing listens on: bind one, note it, close it.
  const probe = net.createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));

  let opens = 0;
  const conns = new Reconnector<Conn>({
    target: `tcp://127.0.0.1:${port}`,
    open: () => {
      opens++;
      return connectTo(port);
    },
    backoff: new Backoff({ baseMs: 200, maxMs: 200, factor: 1 }, () => 0.5),
    log: silentLogger,
    socketOf: (c) => c,
  });

  const refused = await conns.ready();
  assert.ok('kind' in refused && refused.kind === 'retry', 'refused: retry');
  assert.equal(refused.afterMs, 100);
  assert.match(refused.reason, /ECONNREFUSED/);
  const early = await conns.ready();
  assert.ok('kind' in early && early.kind === 'retry' && (early.afterMs ?? 0) > 0 && (early.afterMs ?? 0) <= 100, 'too early: told to wait, no attempt');
  assert.equal(opens, 1);
  assert.deepEqual(conns.ownEndpoints(), []);

  const server = net.createServer((s) => s.on('error', () => {}));
  await listen(server, port);
  t.after(() => server.close());
  await new Promise((r) => setTimeout(r, conns.msToNextAttempt() + 5));
  const [a, b] = await Promise.all([conns.ready(), conns.ready()]);
  assert.equal(opens, 2, 'one attempt for two concurrent sends');
  assert.ok(a instanceof net.Socket && a === b);
  assert.deepEqual(conns.ownEndpoints(), [{ ip: '127.0.0.1', port: a.localPort }]);
  assert.equal(await conns.ready(), a, 'an open connection is reused');

  a.broken = true;
  a.destroy();
  conns.forget(a);
  assert.equal(conns.current, undefined);
  const c = await conns.ready();
  assert.ok(c instanceof net.Socket && c !== a, 'a new connection after a break');
  assert.equal(opens, 3);
  c.destroy();
});
