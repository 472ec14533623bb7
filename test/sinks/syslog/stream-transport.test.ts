// The TCP transport against receivers that misbehave in ways rsyslog does not.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/context';
import { Backoff } from '../../../src/sinks/retry';
import { createStreamTransport } from '../../../src/sinks/syslog/stream-transport';
import { sleep } from '../../helpers/rsyslog';

test('a receiver that drops every connection is not reconnected to in a tight loop', async (t) => {
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    // Long enough for a write to be taken, then reset: what was written may be lost.
    setTimeout(() => s.resetAndDestroy(), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const tcp = createStreamTransport({ scheme: 'tcp', host: '127.0.0.1', port, logger: silentLogger, backoff: new Backoff({ baseMs: 100, maxMs: 1000, factor: 2 }) });
  t.after(() => tcp.close());
  // One batch: the kernel takes it, the receiver drops the connection, the frames await resending.
  const sent = await tcp.send(['<14>1 - - - - - - one', '<14>1 - - - - - - two']);
  assert.deepEqual(
    sent.map((r) => r.kind),
    ['ok', 'ok'],
  );
  await sleep(2000);
  assert.ok(connections >= 2, `the transport reconnected to resend (${connections} connections)`);
  // Resends wait 100, 200, 400, 800 ms… after breaks in a row: a handful in 2 s, not hundreds.
  assert.ok(connections <= 8, `${connections} connections in 2 s`);
  assert.ok(tcp.resentCount() >= 2, 'the frames were written again');
});
