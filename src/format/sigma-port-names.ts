// The service names Sysmon prints in SourcePortName / DestinationPortName, per protocol: the
// name a port has in the IANA registry (as /etc/services lists it) differs between TCP and
// UDP, or exists for one only (514 is `shell` over TCP and `syslog` over UDP; 123 is `ntp`
// over UDP only). Fixed tables rather than the host's /etc/services, so one record renders
// the same on every host. Ports not listed are '-'.
import type { Transport } from '../core/connection-event';

const BOTH: Readonly<Record<number, string>> = {
  53: 'domain',
  88: 'kerberos',
  111: 'sunrpc',
  161: 'snmp',
  162: 'snmp-trap',
  389: 'ldap',
  443: 'https',
  636: 'ldaps',
  853: 'domain-s',
  2049: 'nfs',
};

const TCP_ONLY: Readonly<Record<number, string>> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  80: 'http',
  110: 'pop3',
  135: 'epmap',
  139: 'netbios-ssn',
  143: 'imap2',
  445: 'microsoft-ds',
  465: 'submissions',
  514: 'shell',
  587: 'submission',
  993: 'imaps',
  995: 'pop3s',
  1433: 'ms-sql-s',
  3306: 'mysql',
  3389: 'ms-wbt-server',
  5432: 'postgresql',
  5985: 'wsman',
  5986: 'wsmans',
  6379: 'redis',
  6514: 'syslog-tls',
  8080: 'http-alt',
};

const UDP_ONLY: Readonly<Record<number, string>> = {
  67: 'bootps',
  68: 'bootpc',
  69: 'tftp',
  123: 'ntp',
  137: 'netbios-ns',
  138: 'netbios-dgm',
  500: 'isakmp',
  514: 'syslog',
  5353: 'mdns',
};

const BY_TRANSPORT: Readonly<Record<Transport, Readonly<Record<number, string>>>> = {
  tcp: { ...BOTH, ...TCP_ONLY },
  udp: { ...BOTH, ...UDP_ONLY },
};

/** The service name of `port` over `transport`, or '-' when it has none listed. */
export function sigmaPortName(transport: Transport, port: number): string {
  return BY_TRANSPORT[transport][port] ?? '-';
}
