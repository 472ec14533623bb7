// A flat Sysmon Event ID 3 (NetworkConnect) view of a ConnectionEvent, as Sysmon for Linux
// writes it, so Sigma `category: network_connection` rules apply without a field mapping
// (docs/record.md lists the fields).
//
// Conventions:
// - Event 3 reports connections that exist: established TCP connects, accepted TCP
//   connections and UDP flows. Listens, closes and failed or unanswered connects are not
//   network connections to Sysmon, and rules written for it (a reverse shell is bash
//   connecting out; `Initiated: 'false'` is an inbound connection) misfire on them, so
//   `sigmaReports` leaves them out; a sink can still be asked for every record.
// - Source* is the initiator and Destination* the responder, as Sysmon for Linux writes
//   them: for an accepted connection the remote peer is the Source and this host's listening
//   end the Destination. Initiated ('true'/'false', strings as the rules write them) says
//   whether this host's process started it.
// - Protocol is lower case (tcp/udp); Image is the full executable path; port names are the
//   protocol's own.
// - The remote end's hostname is the name the process resolved its address from (a DNS
//   answer seen by the sensor, never a reverse lookup): DestinationHostname of an initiated
//   connection, SourceHostname of an accepted one. This host's end has the host's name.
// - Hashes is `SHA256=<hex>` with upper-case hex, as Sysmon writes its Hashes field (Event 3
//   has none; rules written for process creation match it unchanged).
// - Unknown values are '-', as Sysmon writes them.
// - packettrail.action / packettrail.outcome say which record a line came from.
import { type ConnectionEvent, initiatorAndResponder } from '../core/connection-event';
import { alertPairs } from './alert-fields';
import type { FormatEnv } from './env';
import { sigmaPortName } from './sigma-port-names';
import { sigmaProcessGuid } from './sigma-process-guid';

export type SigmaRecord = Record<string, string | number>;

const UNKNOWN = '-';
const UNKNOWN_IMAGE = '<unknown process>';

/** Sysmon's UtcTime: "YYYY-MM-DD hh:mm:ss.mmm". */
export function sysmonUtcTime(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString().slice(0, 23).replace('T', ' ');
}

/** Whether Sysmon would report this record as Event 3: an established connect, an accept or a UDP flow. */
export function sigmaReports(ev: ConnectionEvent): boolean {
  switch (ev.action) {
    case 'connection_attempted':
      return ev.outcome === 'success';
    case 'connection_accepted':
    case 'udp_flow':
      return ev.outcome !== 'failure';
    case 'listen':
    case 'connection_closed':
      return false;
  }
}

export function toSigma(ev: ConnectionEvent, env: FormatEnv): SigmaRecord {
  const p = ev.process;
  const { source, destination } = initiatorAndResponder(ev);
  const initiated = ev.direction === 'egress';
  const v6 = ev.family === 'ipv6' ? 'true' : 'false';
  // This host's name goes with its own end; the remote end's name is not known.
  const localName = env.host.name || UNKNOWN;
  const rec: SigmaRecord = {
    EventID: 3,
    // Sysmon's RuleName: the rule that matched, for a finding.
    RuleName: ev.alert?.rule ?? UNKNOWN,
    UtcTime: sysmonUtcTime(ev.timeUs),
  };
  if (p?.entityId) rec.ProcessGuid = sigmaProcessGuid(env.host.id, p.entityId);
  if (p) rec.ProcessId = p.pid;
  rec.Image = p?.executable || UNKNOWN_IMAGE;
  rec.User = p?.userName ?? (p?.uid !== undefined ? String(p.uid) : UNKNOWN);
  rec.Protocol = ev.transport;
  rec.Initiated = initiated ? 'true' : 'false';
  rec.SourceIsIpv6 = v6;
  rec.SourceIp = source.ip;
  rec.SourceHostname = initiated ? localName : (ev.domain ?? UNKNOWN);
  rec.SourcePort = source.port;
  rec.SourcePortName = sigmaPortName(ev.transport, source.port);
  rec.DestinationIsIpv6 = v6;
  rec.DestinationIp = destination.ip;
  rec.DestinationHostname = initiated ? (ev.domain ?? UNKNOWN) : localName;
  rec.DestinationPort = destination.port;
  rec.DestinationPortName = sigmaPortName(ev.transport, destination.port);
  if (p?.parent?.executable) rec.ParentImage = p.parent.executable;
  if (p?.parent) rec.ParentProcessId = p.parent.pid;
  if (p?.commandLine) rec.CommandLine = p.commandLine;
  if (p?.sha256) rec.Hashes = `SHA256=${p.sha256.toUpperCase()}`;
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
