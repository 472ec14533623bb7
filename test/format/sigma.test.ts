import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import YAML from 'yaml';
import { sigmaLine, sysmonUtcTime, toSigma, type SigmaRecord } from '../../src/format/sigma';
import { egressEvent, env, loopbackDnsEvent, ingressEvent, T_US } from '../helpers/events';

// The Sysmon EID 3 names the Sigma test suite accepts for network_connection (docs/record.md),
// with their values in the record of `egressEvent()`.
const EGRESS_EID3: Readonly<Record<string, string | number>> = {
  Image: '/usr/bin/curl',
  ProcessGuid: 'ent-4242-abc',
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
});

test('ingress: Source stays the local end and Initiated is the string false', () => {
  const r = toSigma(ingressEvent(), env);
  assert.equal(r.Initiated, 'false');
  assert.equal(r.SourceIp, '192.168.50.129');
  assert.equal(r.SourcePort, 22);
  assert.equal(r.SourcePortName, 'ssh');
  assert.equal(r.DestinationIp, '10.0.0.7');
  assert.equal(r.DestinationPort, 51000);
  assert.equal(r.Image, '/usr/sbin/sshd');
  assert.equal(r.User, 'root');
  assert.equal(r['packettrail.action'], 'connection_accepted');
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

// A rule in Sigma syntax, evaluated by a minimal matcher (equality, endswith, contains, cidr;
// condition "selection and not filter"): the record must satisfy it without any field mapping.
const RULE = `
title: Outbound HTTPS from curl to a public address
logsource: { category: network_connection, product: linux }
detection:
  selection:
    Image|endswith: /curl
    Initiated: 'true'
    Protocol: tcp
    DestinationPort:
      - 443
      - 8443
  filter:
    DestinationIp|cidr:
      - 10.0.0.0/8
      - 192.168.0.0/16
      - 127.0.0.0/8
  condition: selection and not filter
`;

function matches(sel: Record<string, unknown>, r: SigmaRecord): boolean {
  return Object.entries(sel).every(([key, want]) => {
    const [field, mod] = key.split('|') as [string, string | undefined];
    const have = r[field];
    if (have === undefined) return false;
    const wants = Array.isArray(want) ? want : [want];
    return wants.some((w) => {
      if (mod === 'endswith') return String(have).endsWith(String(w));
      if (mod === 'contains') return String(have).includes(String(w));
      if (mod === 'cidr') {
        const [net, bits] = String(w).split('/') as [string, string];
        const bl = new BlockList();
        bl.addSubnet(net, Number(bits), net.includes(':') ? 'ipv6' : 'ipv4');
        return bl.check(String(have), String(have).includes(':') ? 'ipv6' : 'ipv4');
      }
      return String(have) === String(w);
    });
  });
}

test('a network_connection Sigma rule applies to the record unchanged', () => {
  const rule = YAML.parse(RULE) as { detection: { selection: Record<string, unknown>; filter: Record<string, unknown> } };
  const hit = (r: SigmaRecord): boolean => matches(rule.detection.selection, r) && !matches(rule.detection.filter, r);
  assert.equal(hit(toSigma(egressEvent(), env)), true, 'curl to 93.184.216.34:443');
  assert.equal(hit(toSigma(egressEvent({ remote: { ip: '10.1.2.3', port: 443 } }), env)), false, 'private destination filtered');
  assert.equal(hit(toSigma(egressEvent({ direction: 'ingress' }), env)), false, 'not initiated');
  assert.equal(hit(toSigma(ingressEvent(), env)), false, 'sshd');
});
