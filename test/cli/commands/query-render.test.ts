// The query table's action cell: a close shows its duration and bytes (or packets, where a
// tier knows no bytes) from this host's side; every other record shows its action alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventCells } from '../../../src/cli/commands/query-render';
import { egressEvent, ingressEvent } from '../../helpers/events';

const ACTION = 3;

test('a close shows duration and bytes each way; a close without counters and a start show the action alone', () => {
  const close = ingressEvent({ action: 'connection_closed', end: { durationNs: 2_504_000_000, bytesOut: 3000, bytesIn: 100_000, packetsOut: 5, packetsIn: 8 } });
  assert.equal(eventCells(close)[ACTION], 'connection_closed 2.50s out=3000B in=100000B');
  const packetsOnly = egressEvent({ action: 'connection_closed', transport: 'udp', end: { durationNs: 1_000_000, packetsOut: 4 } });
  assert.equal(eventCells(packetsOnly)[ACTION], 'connection_closed 0.00s out=4pkt');
  assert.equal(eventCells(egressEvent({ action: 'connection_closed' }))[ACTION], 'connection_closed');
  assert.equal(eventCells(egressEvent())[ACTION], 'connection_attempted');
});
