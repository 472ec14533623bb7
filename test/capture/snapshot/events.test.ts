import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionKey, entryToEvent, listeningPorts } from '../../../src/capture/snapshot/events';
import { snapshotEntry } from '../../helpers/snapshot-entry';

test('direction comes from the socket: a connection on a local listening port is ingress', () => {
  const listen = snapshotEntry({ state: 'LISTEN', local: { ip: '0.0.0.0', port: 22 }, remote: { ip: '0.0.0.0', port: 0 } });
  const inbound = snapshotEntry({ local: { ip: '10.0.0.1', port: 22 }, remote: { ip: '10.0.0.9', port: 51000 } });
  const outbound = snapshotEntry({});
  const listening = listeningPorts([listen, inbound, outbound]);
  assert.equal(entryToEvent(listen, listening, 1, 'poll', false)?.action, 'listen');
  const i = entryToEvent(inbound, listening, 1, 'poll', false)!;
  assert.equal(i.action, 'connection_accepted');
  assert.equal(i.direction, 'ingress');
  const o = entryToEvent(outbound, listening, 1, 'poll', false)!;
  assert.equal(o.action, 'connection_attempted');
  assert.equal(o.direction, 'egress');
  assert.equal(o.attribution, 'socket-owner');
  assert.equal(o.process?.pid, 42);
});

test('a socket without an owner is still a record, attributed unknown', () => {
  const tw = snapshotEntry({ state: 'TIME_WAIT', owners: [], inode: 0 });
  const ev = entryToEvent(tw, new Set(), 1, 'poll', false)!;
  assert.equal(ev.attribution, 'unknown');
  assert.equal(ev.process, undefined);
});

test('UDP: bound is a listen, connected is a flow; the key ignores TCP state', () => {
  const bound = snapshotEntry({ transport: 'udp', state: 'UNCONN', remote: { ip: '0.0.0.0', port: 0 } });
  assert.equal(entryToEvent(bound, new Set(), 1, 'poll', false)?.action, 'listen');
  const conn = snapshotEntry({ transport: 'udp', state: 'ESTAB' });
  assert.equal(entryToEvent(conn, new Set(), 1, 'poll', true)?.action, 'udp_flow');
  assert.equal(entryToEvent(conn, new Set(), 1, 'poll', true)?.preexisting, true);
  assert.equal(connectionKey(snapshotEntry({ state: 'SYN_SENT' })), connectionKey(snapshotEntry({ state: 'TIME_WAIT' })));
});
