// A flat Sysmon Event ID 3 (NetworkConnect) view of a ConnectionEvent, so Sigma
// `category: network_connection` rules apply without a field mapping (docs/record.md lists
// the fields).
//
// Conventions:
// - Source* is the local end (this host's process), Destination* the remote end, and
//   Initiated ('true'/'false', strings as the rules write them) says who started it. This is
//   what Sysmon does for the connections it reports, and keeps local/remote the same ends as
//   in every other format.
// - Protocol is lower case (tcp/udp); Image is the full executable path.
// - Unknown values are '-', as Sysmon writes them.
// - Sysmon only reports connects; we also render accepts, closes, listens and failures, and
//   add packettrail.action / packettrail.outcome so a rule or query can pick them out.
import type { ConnectionEvent } from '../core/connection-event';
import { alertPairs } from './alert-fields';
import type { FormatEnv } from './env';

export type SigmaRecord = Record<string, string | number>;

const UNKNOWN = '-';
const UNKNOWN_IMAGE = '<unknown process>';

// The common service names Sysmon prints in *PortName; others are '-'.
const PORT_NAMES: Record<number, string> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'domain',
  67: 'bootps',
  68: 'bootpc',
  80: 'http',
  88: 'kerberos',
  110: 'pop3',
  123: 'ntp',
  135: 'epmap',
  137: 'netbios-ns',
  138: 'netbios-dgm',
  139: 'netbios-ssn',
  143: 'imap',
  161: 'snmp',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
  465: 'submissions',
  514: 'syslog',
  587: 'submission',
  636: 'ldaps',
  993: 'imaps',
  995: 'pop3s',
  1433: 'ms-sql-s',
  3306: 'mysql',
  3389: 'ms-wbt-server',
  5432: 'postgresql',
  5985: 'wsman',
  5986: 'wsmans',
  6514: 'syslog-tls',
  8080: 'http-alt',
};

/** Sysmon's UtcTime: "YYYY-MM-DD hh:mm:ss.mmm". */
export function sysmonUtcTime(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 23).replace('T', ' ');
}

export function toSigma(ev: ConnectionEvent, env: FormatEnv): SigmaRecord {
  const p = ev.process;
  const v6 = ev.family === 'ipv6' ? 'true' : 'false';
  const rec: SigmaRecord = {
    EventID: 3,
    // Sysmon's RuleName: the rule that matched, for a finding.
    RuleName: ev.alert?.rule ?? UNKNOWN,
    UtcTime: sysmonUtcTime(ev.timeUs),
  };
  if (p?.entityId) rec.ProcessGuid = p.entityId;
  if (p) rec.ProcessId = p.pid;
  rec.Image = p?.executable || UNKNOWN_IMAGE;
  rec.User = p?.userName ?? (p?.uid !== undefined ? String(p.uid) : UNKNOWN);
  rec.Protocol = ev.transport;
  rec.Initiated = ev.direction === 'egress' ? 'true' : 'false';
  rec.SourceIsIpv6 = v6;
  rec.SourceIp = ev.local.ip;
  rec.SourceHostname = env.host.name || UNKNOWN;
  rec.SourcePort = ev.local.port;
  rec.SourcePortName = portName(ev.local.port);
  rec.DestinationIsIpv6 = v6;
  rec.DestinationIp = ev.remote.ip;
  rec.DestinationHostname = UNKNOWN;
  rec.DestinationPort = ev.remote.port;
  rec.DestinationPortName = portName(ev.remote.port);
  if (p?.parent?.executable) rec.ParentImage = p.parent.executable;
  if (p?.parent) rec.ParentProcessId = p.parent.pid;
  if (p?.commandLine) rec.CommandLine = p.commandLine;
  rec.Computer = env.host.name;
  rec['packettrail.action'] = ev.action;
  rec['packettrail.outcome'] = ev.outcome;
  rec['packettrail.capture'] = ev.capture;
  rec['packettrail.attribution'] = ev.attribution;
  if (ev.alert) for (const [k, v] of alertPairs(ev.alert)) rec[`packettrail.alert.${k}`] = v;
  return rec;
}

export function sigmaLine(ev: ConnectionEvent, env: FormatEnv): string {
  return JSON.stringify(toSigma(ev, env));
}

function portName(port: number): string {
  return PORT_NAMES[port] ?? UNKNOWN;
}
