import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huntOver } from '../../src/detect/hunt';
import { DetectEngine } from '../../src/detect/engine';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options';
import type { ActivityItem } from '../../src/core/stages';
import { accept, atS, connect, listen, options, proc } from './activity';

const CURL = proc(100, '/usr/bin/curl');
const SSHD = proc(200, '/usr/sbin/sshd');
const NC = proc(300, '/usr/bin/nc');
const noBeacon = { ...DEFAULT_DETECT_OPTIONS.beacon, minCount: 1000 };

function firstSeen(items: ActivityItem[], seed?: Parameters<typeof huntOver>[2]) {
  return huntOver(items, options({ beacon: noBeacon }), seed).filter((a) => a.alert?.rule === 'first_seen' || a.alert?.rule === 'new_listener');
}

test('quiet while learning; after it, a new pair raises one alert and a learnt one none', () => {
  const items = [
    connect(CURL, 0, '198.51.100.1'),
    connect(CURL, 30, '198.51.100.2'), // learnt: inside the minute
    connect(CURL, 61, '198.51.100.1'), // old pair
    connect(CURL, 62, '198.51.100.3'), // new pair
    connect(CURL, 63, '198.51.100.3'), // now known
    connect(CURL, 64, '198.51.100.3', 8443), // a new port is a new pair
  ];
  const alerts = firstSeen(items);
  assert.deepEqual(
    alerts.map((a) => `${a.remote.ip}:${a.remote.port}`),
    ['198.51.100.3:443', '198.51.100.3:8443'],
  );
  assert.equal(alerts[0]!.alert?.rule, 'first_seen');
  assert.match(alerts[0]!.alert!.reason, /curl\[100\] \(\/usr\/bin\/curl\) reached 198\.51\.100\.3:443 for the first time/);
});

test('the pair is per executable and direction; an accepted connection pairs the client with the local service port', () => {
  const items = [
    connect(CURL, 0, '198.51.100.1'),
    accept(SSHD, 1, '10.0.0.7', 22),
    connect(proc(101, '/usr/bin/wget'), 70, '198.51.100.1'), // another program: new
    accept(SSHD, 71, '10.0.0.7', 22), // same client, new ephemeral port: known
    accept(SSHD, 72, '10.0.0.8', 22), // new client
  ];
  const alerts = firstSeen(items);
  assert.deepEqual(
    alerts.map((a) => `${a.process?.name} ${a.direction} ${a.remote.ip}`),
    ['wget egress 198.51.100.1', 'sshd ingress 10.0.0.8'],
  );
  assert.match(alerts[1]!.alert!.reason, /accepted a connection from 10\.0\.0\.8 on port 22/);
});

test('the store: seeded pairs and listeners are known, and its earliest time starts the learning', () => {
  const earliestUs = atS(-3600); // an hour of history: learning (a minute) is over
  const seed = {
    earliestUs,
    pairs: [{ exe: CURL.exe, remoteIp: '198.51.100.9', remotePort: 443, direction: 'egress' as const }],
    listeners: [{ exe: SSHD.exe, port: 22 }],
  };
  const items = [connect(CURL, 0, '198.51.100.9'), listen(SSHD, 1, 22), connect(CURL, 2, '198.51.100.10'), listen(NC, 3, 4444)];
  const alerts = firstSeen(items, seed);
  assert.deepEqual(
    alerts.map((a) => a.alert?.rule),
    ['first_seen', 'new_listener'],
  );
  assert.equal(alerts[0]!.remote.ip, '198.51.100.10');
  assert.equal(alerts[1]!.local.port, 4444);
  assert.match(alerts[1]!.alert!.reason, /nc\[300\] \(\/usr\/bin\/nc\) listens on tcp port 4444 for the first time/);
  // A store younger than the learning period: still learning.
  assert.deepEqual(firstSeen(items, { ...seed, earliestUs: atS(-10) }), []);
});

test('new listener: a new port alerts once after learning; a port learnt does not', () => {
  const items = [listen(SSHD, 0, 22), listen(SSHD, 61, 22), listen(NC, 62, 4444), listen(NC, 63, 4444), listen(proc(301, '/usr/bin/nc'), 64, 4444)];
  const alerts = firstSeen(items);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.alert?.rule, 'new_listener');
});

test('allow-list silences first-seen as well', () => {
  const items = [connect(CURL, 0, '198.51.100.1'), connect(CURL, 70, '10.1.2.3', 9200), listen(NC, 71, 4444)];
  const opts = options({ beacon: noBeacon, allow: [{ cidr: '10.0.0.0/8', port: 9200 }, { exe: '/usr/bin/n?' }] });
  assert.deepEqual(huntOver(items, opts), []);
});

test('bounded: the pair table holds maxKeys entries, evicts the oldest and counts them', () => {
  const engine = new DetectEngine(options({ beacon: noBeacon, maxKeys: 64 }));
  for (let i = 0; i < 1000; i++) engine.observe(connect(CURL, i / 1000, `198.51.${i >> 8}.${i & 255}`));
  const s = engine.stats();
  assert.ok(s.tracked.pairs <= 64, `pairs ${s.tracked.pairs}`);
  assert.equal(s.tracked.pairs + s.evicted.pairs, 1000);
  assert.ok(s.tracked.addresses <= 64 && s.evicted.addresses > 0);
  assert.ok(s.tracked.beaconSeries <= 64 && s.evicted.beaconSeries > 0);
});
