import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaLine, sigmaReports, sysmonUtcTime, toSigma, type SigmaRecord } from '../../src/format/sigma';
import { sigmaProcessGuid } from '../../src/format/sigma-process-guid';
import { sigmaPortName } from '../../src/format/sigma-port-names';
import { egressEvent, ENV, env, loopbackDnsEvent, ingressEvent, T_US } from '../helpers/events';

// The Sysmon EID 3 names the Sigma test suite accepts for network_connection (docs/record.md),
// with their values in the record of `egressEvent()`.
const EGRESS_EID3: Readonly<Record<string, string | number>> = {
  Image: '/usr/bin/curl',
  ProcessId: 4242,
  User: 'alice',
  Protocol: 'tcp',
  Initiated: 'true',
  SourceIsIpv6: 'false',
  SourceIp: '192.168.50.129',
  SourceHostname: 'myhost',
  SourcePort: 50434,
  SourcePortName: '-',
  DestinationIsIpv6: 'false',
  DestinationIp: '93.184.216.34',
  DestinationHostname: '-',
  DestinationPort: 443,
  DestinationPortName: 'https',
  ParentImage: '/usr/bin/bash',
  EventID: 3,
  Computer: 'myhost',
};

test('egress: every EID 3 name is present, with Sysmon conventions', () => {
  const r = JSON.parse(sigmaLine(egressEvent(), env)) as SigmaRecord;
  for (const [name, want] of Object.entries(EGRESS_EID3)) assert.equal(r[name], want, name);
  assert.equal(r.UtcTime, '2025-11-26 15:20:27.123');
  assert.equal(r.CommandLine, 'curl -s https://example.com/');
  for (const [k, v] of Object.entries(r)) assert.ok(typeof v === 'string' || typeof v === 'number', `${k} is flat`);
  assert.match(String(r.ProcessGuid), /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
});

test('ProcessGuid: one per process and host, the same on every record of the process', () => {
  const guid = toSigma(egressEvent(), env).ProcessGuid;
  assert.equal(guid, sigmaProcessGuid(env.host.id, 'ent-4242-abc'));
  assert.equal(toSigma(egressEvent({ remote: { ip: '198.51.100.1', port: 80 }, timeUs: T_US + 5_000_000 }), env).ProcessGuid, guid, 'same process, later record');
  assert.notEqual(toSigma(ingressEvent(), env).ProcessGuid, guid, 'another process');
  assert.notEqual(toSigma(egressEvent(), ENV).ProcessGuid, guid, 'same entity id on another host');
});

test('accepted connection: the remote initiator is Source, the local listening end Destination', () => {
  const r = toSigma(ingressEvent(), env);
  assert.equal(r.Initiated, 'false');
  assert.equal(r.SourceIp, '10.0.0.7');
  assert.equal(r.SourcePort, 51000);
  assert.equal(r.SourcePortName, '-');
  assert.equal(r.SourceHostname, '-', 'the remote name is not known');
  assert.equal(r.DestinationIp, '192.168.50.129');
  assert.equal(r.DestinationPort, 22);
  assert.equal(r.DestinationPortName, 'ssh');
  assert.equal(r.DestinationHostname, 'myhost', 'the listening end is this host');
  assert.equal(r.Image, '/usr/sbin/sshd');
  assert.equal(r.User, 'root');
  assert.equal(r['packettrail.action'], 'connection_accepted');
});

test("port names are the protocol's own", () => {
  assert.equal(sigmaPortName('tcp', 514), 'shell');
  assert.equal(sigmaPortName('udp', 514), 'syslog');
  assert.equal(sigmaPortName('udp', 123), 'ntp');
  assert.equal(sigmaPortName('tcp', 123), '-');
  assert.equal(sigmaPortName('tcp', 22), 'ssh');
  assert.equal(sigmaPortName('udp', 22), '-');
  assert.equal(sigmaPortName('udp', 53), 'domain');
  assert.equal(sigmaPortName('tcp', 53), 'domain');
  const udp514 = egressEvent({ action: 'udp_flow', transport: 'udp', remote: { ip: '192.0.2.1', port: 514 } });
  assert.equal(toSigma(udp514, env).DestinationPortName, 'syslog');
  assert.equal(toSigma(egressEvent({ remote: { ip: '192.0.2.1', port: 514 } }), env).DestinationPortName, 'shell');
});

test('Event 3 holds established connects, accepts and UDP flows; not listens, closes or failed connects', () => {
  const reported = (over: Parameters<typeof egressEvent>[0]) => sigmaReports(egressEvent(over));
  assert.equal(reported({}), true, 'established connect');
  assert.equal(reported({ preexisting: true }), true, 'connect open when capture started');
  assert.equal(reported({ outcome: 'failure', errno: 111 }), false, 'refused connect');
  assert.equal(reported({ outcome: 'unknown' }), false, 'connect with no answer yet');
  assert.equal(reported({ action: 'connection_closed' }), false, 'close');
  assert.equal(sigmaReports(ingressEvent()), true, 'accept');
  assert.equal(sigmaReports(ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 } })), false, 'listen');
  assert.equal(reported({ action: 'udp_flow', transport: 'udp', outcome: 'unknown' }), true, 'udp flow');
  assert.equal(reported({ action: 'udp_flow', transport: 'udp', outcome: 'failure' }), false, 'udp send that failed');
});

test('udp over ipv6, unknown user name, no process', () => {
  const r = toSigma(loopbackDnsEvent({ pid: 9, name: 'dig', executable: '/usr/bin/dig', uid: 1234 }), env);
  assert.equal(r.Protocol, 'udp');
  assert.equal(r.SourceIsIpv6, 'true');
  assert.equal(r.DestinationIsIpv6, 'true');
  assert.equal(r.DestinationPortName, 'domain');
  assert.equal(r.User, '1234');
  assert.equal(r.ProcessGuid, undefined, 'omitted when the entity id is unknown');
  const none = toSigma(egressEvent({ process: undefined }), env);
  assert.equal(none.Image, '<unknown process>');
  assert.equal(none.User, '-');
  assert.equal(none.ProcessId, undefined);
});

test('UtcTime is Sysmon\'s "YYYY-MM-DD hh:mm:ss.mmm"', () => {
  assert.equal(sysmonUtcTime(T_US), '2025-11-26 15:20:27.123');
  assert.equal(sysmonUtcTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6) * 1000 + 999), '2026-01-02 03:04:05.006');
});
