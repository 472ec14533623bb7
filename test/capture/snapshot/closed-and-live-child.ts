// A child holding a listener and an established connection on loopback, after a connection
// it closed first (so its client end sits in TIME_WAIT): what a snapshot sees of connections
// that ended before the sensor started, beside live ones. A line "again" on its stdin makes
// one more closed connection and prints its client port.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import type { SocketRow } from '../../../src/capture/snapshot/socket-row';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import { onlyItem } from '../../helpers/items';
import { spawnNode } from '../../process/helpers';

const SCRIPT = `
const net = require('net');
const held = [];
const srv = net.createServer((s) => held.push(s)).listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  // The client ends first; its 'close' comes after the server's FIN, when it is in TIME_WAIT.
  const closeOne = (done) => {
    const c = net.connect(port, '127.0.0.1', () => {
      const local = c.localPort;
      c.on('close', () => done(local));
      c.resume();
      c.end();
    });
  };
  closeOne((closed) => {
    const live = net.connect(port, '127.0.0.1', () => {
      console.log(JSON.stringify({ listen: port, closed, live: live.localPort }));
    });
  });
  let buf = '';
  process.stdin.on('data', (d) => {
    buf += d;
    while (buf.includes('\\n')) {
      buf = buf.slice(buf.indexOf('\\n') + 1);
      closeOne((closed) => console.log(JSON.stringify({ closed })));
    }
  });
});
`;

export interface ClosedAndLive {
  child: ChildProcess;
  /** The listener's port. */
  listen: number;
  /** Client port of the connection that ended (TIME_WAIT). */
  closed: number;
  /** Client port of the established connection. */
  live: number;
  /** Closes one more connection; resolves with its client port once it is in TIME_WAIT. */
  closeAnother(): Promise<number>;
}

export async function startClosedAndLive(): Promise<ClosedAndLive> {
  const { child, line } = await spawnNode(SCRIPT);
  const first = JSON.parse(line) as { listen: number; closed: number; live: number };
  let pending = '';
  const waiting: Array<(port: number) => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const msg = JSON.parse(text) as { closed?: number; live?: number };
      if (msg.live === undefined && msg.closed !== undefined) waiting.shift()?.(msg.closed);
    }
  });
  return {
    child,
    ...first,
    closeAnother() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin!.write('again\n');
      });
    },
  };
}

/** The client end of a loopback connection from `local` to `remote`, if the table has it. */
export function clientRow(rows: readonly SocketRow[], local: number, remote: number): SocketRow | undefined {
  return rows.find((r) => r.transport === 'tcp' && r.local.ip === '127.0.0.1' && r.local.port === local && r.remote.port === remote);
}

/**
 * The child's TCP records among `records`: none for the TIME_WAIT socket, one listen, one
 * outgoing and one accepted connection, all the child's. Returns the three for more checks.
 */
export function assertOnlyLiveRecords(records: readonly ConnectionEvent[], c: ClosedAndLive): { listen: ConnectionEvent; client: ConnectionEvent; accepted: ConnectionEvent } {
  const ours = records.filter((e) => e.transport === 'tcp' && e.local.ip === '127.0.0.1' && (e.local.port === c.listen || e.remote.port === c.listen));
  assert.deepEqual(
    ours.filter((e) => e.local.port === c.closed),
    [],
    'no record for the TIME_WAIT socket',
  );
  const listen = onlyItem(
    ours.filter((e) => e.action === 'listen'),
    'listen records',
  );
  assert.deepEqual([listen.local.port, listen.process?.pid, listen.preexisting], [c.listen, c.child.pid, true]);
  const client = onlyItem(
    ours.filter((e) => e.local.port === c.live),
    'client records',
  );
  assert.deepEqual([client.action, client.outcome, client.process?.pid], ['connection_attempted', 'success', c.child.pid]);
  const accepted = onlyItem(
    ours.filter((e) => e.remote.port === c.live),
    'accepted records',
  );
  assert.deepEqual([accepted.action, accepted.process?.pid], ['connection_accepted', c.child.pid]);
  return { listen, client, accepted };
}
