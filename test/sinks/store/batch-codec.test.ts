// The compact batches the sink hands its writer thread: numbers per connection, each process
// sent once under its key, and the key table started over once it reaches its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchEncoder, F, FIELDS, NO_PROCESS } from '../../../src/sinks/store/batch-codec';
import { ACTIONS, DIRECTIONS, codeOf } from '../../../src/sinks/store/codes';
import { egressEvent } from '../../helpers/events';

test('a batch carries each connection as numbers and its two addresses', () => {
  const enc = new BatchEncoder();
  const ev = egressEvent({ timeUs: 1_700_000_000_000_123, tid: 77 });
  enc.add(ev);
  enc.add({ ...ev, process: undefined, tid: undefined, errno: 111, preexisting: true });
  const b = enc.take();
  assert.equal(b.count, 2);
  assert.equal(b.numbers.length, 2 * FIELDS);
  assert.equal(b.numbers[F.time], ev.timeUs);
  assert.equal(b.numbers[F.action], codeOf(ACTIONS, ev.action));
  assert.equal(b.numbers[F.direction], codeOf(DIRECTIONS, ev.direction));
  assert.equal(b.numbers[F.remotePort], ev.remote.port);
  assert.equal(b.numbers[F.tid], 77);
  assert.ok(Number.isNaN(b.numbers[F.errno]!), 'an absent errno is NaN');
  assert.equal(b.numbers[FIELDS + F.process], NO_PROCESS);
  assert.equal(b.numbers[FIELDS + F.errno], 111);
  assert.equal(b.numbers[FIELDS + F.preexisting], 1);
  assert.deepEqual(b.addresses, [ev.local.ip, ev.remote.ip], 'each distinct address once');
  assert.deepEqual([b.numbers[F.localAddress], b.numbers[F.remoteAddress], b.numbers[FIELDS + F.localAddress], b.numbers[FIELDS + F.remoteAddress]], [0, 1, 0, 1]);
  assert.equal(enc.take().count, 0, 'take() empties the encoder');
});

test('a process goes once under its key; after the bound, both sides start over', () => {
  const enc = new BatchEncoder(2);
  const a = egressEvent().process!;
  const b = { ...a, pid: a.pid + 1 };
  enc.add(egressEvent({ process: a }));
  enc.add(egressEvent({ process: a }));
  const first = enc.take();
  assert.deepEqual(
    first.processes.map(([k, p]) => [k, p.pid]),
    [[0, a.pid]],
  );
  assert.equal(first.resetProcesses, false);
  enc.add(egressEvent({ process: a }));
  enc.add(egressEvent({ process: b }));
  const second = enc.take();
  assert.deepEqual(
    second.processes.map(([k, p]) => [k, p.pid]),
    [[1, b.pid]],
    'a known process is not sent again',
  );
  assert.deepEqual([second.numbers[F.process], second.numbers[FIELDS + F.process]], [0, 1]);
  enc.add(egressEvent({ process: b }));
  const third = enc.take();
  assert.equal(third.resetProcesses, true, 'the bound was reached: the writer forgets the old keys');
  assert.deepEqual(
    third.processes.map(([k, p]) => [k, p.pid]),
    [[0, b.pid]],
    'and the process is sent again',
  );
});
