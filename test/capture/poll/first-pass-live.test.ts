// The poll tier on a real socket table: its first pass reports the live connection and the
// listener, never the connection that ended before it started (TIME_WAIT, no owner); a
// connection that opens and closes between two later polls is still reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPollSource } from '../../../src/capture/poll/poll-source';
import { takeSnapshot, type SnapshotEntry, type SnapshotEnv } from '../../../src/capture/snapshot/snapshot';
import { SocketTableReader } from '../../../src/capture/snapshot/socket-table';
import { silentLogger, systemClock } from '../../../src/core/context';
import { readBootTimeMs } from '../../../src/process/proc-files';
import { UserNames } from '../../../src/process/users';
import { CollectingOutput } from '../../helpers/collecting-output';
import { onlyItem } from '../../helpers/items';
import { waitFor } from '../../helpers/wait';
import { stopChild } from '../../process/helpers';
import { assertOnlyLiveRecords, clientRow, startClosedAndLive } from '../snapshot/closed-and-live-child';

const env: SnapshotEnv = { hostId: 'test-host', bootTimeMs: readBootTimeMs()!, users: new UserNames() };

test('poll: the first pass reports live sockets only; a later closed one is reported', async (t) => {
  const c = await startClosedAndLive();
  t.after(() => stopChild(c.child));
  assert.equal(clientRow(new SocketTableReader().read(), c.closed, c.listen)?.state, 'TIME_WAIT');

  let passes = 0;
  const snapshot = (): SnapshotEntry[] => {
    passes++;
    return takeSnapshot(env);
  };
  const source = createPollSource({ intervalMs: 100, env, logger: silentLogger, clock: systemClock, snapshot });
  const out = new CollectingOutput();
  await source.start(out);
  t.after(() => source.close());
  const ours = () => out.conns.filter((e) => e.transport === 'tcp' && e.local.ip === '127.0.0.1' && (e.local.port === c.listen || e.remote.port === c.listen));

  const first = ours();
  const { client, accepted } = assertOnlyLiveRecords(first, c);
  assert.equal(accepted.direction, 'ingress');
  assert.equal(client.direction, 'egress');
  assert.equal(first.length, 3);

  // The skipped key stays known: the next pass does not report it as new either.
  await waitFor(() => passes >= 2, 'a second poll');
  assert.equal(ours().length, 3);

  // Opened and closed between two polls of this run: a connection the tier would otherwise miss.
  const later = await c.closeAnother();
  const seenBy = passes;
  await waitFor(() => passes > seenBy, 'a poll after the closed connection');
  const rec = onlyItem(
    ours().filter((e) => e.local.port === later),
    'records of the later closed connection',
  );
  assert.equal(rec.action, 'connection_attempted');
  assert.equal(rec.preexisting, undefined);
});
