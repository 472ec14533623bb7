// Which socket-table rows are live connections: the rule the reconciliation snapshot and the
// poll tier's first pass both apply, on a table with a real TIME_WAIT socket in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLiveForRecords } from '../../../src/capture/snapshot/socket-row';
import { SocketTableReader } from '../../../src/capture/snapshot/socket-table';
import { TCP_STATE } from '../../../src/core/tcp-state';
import { stopChild } from '../../process/helpers';
import { clientRow, startClosedAndLive } from './closed-and-live-child';

test('live TCP states are the open, opening and listening ones; every state after a FIN is not', () => {
  const live = Object.keys(TCP_STATE).filter((state) => isLiveForRecords({ transport: 'tcp', state }));
  assert.deepEqual(live.sort(), ['ESTABLISHED', 'LISTEN', 'NEW_SYN_RECV', 'SYN_RECV', 'SYN_SENT']);
  for (const state of ['FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING', 'UNKNOWN']) {
    assert.equal(isLiveForRecords({ transport: 'tcp', state }), false, state);
  }
  assert.equal(isLiveForRecords({ transport: 'udp', state: 'UNCONN' }), true);
  assert.equal(isLiveForRecords({ transport: 'udp', state: 'ESTAB' }), true);
});

for (const method of ['netlink', 'procnet'] as const) {
  test(`${method}: a connection its client closed first is TIME_WAIT, not live; the held one is`, async (t) => {
    const c = await startClosedAndLive();
    t.after(() => stopChild(c.child));
    const rows = new SocketTableReader().read(method);
    const closed = clientRow(rows, c.closed, c.listen);
    assert.equal(closed?.state, 'TIME_WAIT');
    assert.equal(closed.inode, 0);
    assert.equal(isLiveForRecords(closed), false);
    const live = clientRow(rows, c.live, c.listen);
    assert.equal(live?.state, 'ESTABLISHED');
    assert.equal(isLiveForRecords(live), true);
  });
}
