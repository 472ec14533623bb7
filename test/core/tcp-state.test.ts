import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_STATE, tcpStateName, tcpStateNumber } from '../../src/core/tcp-state';
import { stateName } from '../../src/capture/snapshot/socket-row';

test("state names and numbers are each other's inverse over the kernel table", () => {
  for (let n = 1; n <= 12; n++) {
    const name = tcpStateName(n);
    assert.ok(name, `state ${n} has a name`);
    assert.equal(tcpStateNumber(name), n);
    assert.equal(tcpStateNumber(`TCP_${name}`), n);
  }
  assert.equal(TCP_STATE.LISTEN, 10);
  assert.equal(tcpStateName(13), undefined);
  assert.equal(tcpStateNumber('TCP_BOGUS'), undefined);
  assert.equal(tcpStateNumber('toString'), undefined);
});

test('socket rows name states as ss does', () => {
  assert.equal(stateName('tcp', 1), 'ESTABLISHED');
  assert.equal(stateName('tcp', 0), 'UNKNOWN');
  assert.equal(stateName('tcp', 99), 'STATE_99');
  assert.equal(stateName('udp', 1), 'ESTAB');
  assert.equal(stateName('udp', 7), 'UNCONN');
});
