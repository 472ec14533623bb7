// The `--syslog` value: `udp://h:p | tcp://h:p | tls://h:p | relp://h:p`. Bad values are
// usage errors that name the value and what is expected.
import net from 'node:net';
import { PtError } from '../../core/errors';

export type SyslogScheme = 'udp' | 'tcp' | 'tls' | 'relp';

export interface SyslogTarget {
  scheme: SyslogScheme;
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
  port: number;
}

/** Ports used when the URL names none: 514 (udp, tcp), 6514 (tls, RFC 5425), 2514 (relp, rsyslog's usual). */
export const DEFAULT_PORTS: Record<SyslogScheme, number> = { udp: 514, tcp: 514, tls: 6514, relp: 2514 };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/;

export function parseSyslogUrl(url: string): SyslogTarget {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^:/\[\]]*)(?::([^/]*))?\/?$/.exec(url);
  if (!m) throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: expected udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or relp://HOST:PORT`);
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'udp' && scheme !== 'tcp' && scheme !== 'tls' && scheme !== 'relp') {
    throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: scheme ${JSON.stringify(scheme)} is not one of udp, tcp, tls, relp`);
  }
  let host = m[2]!;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (net.isIPv6(host) === false) throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: ${JSON.stringify(host)} is not an IPv6 address`);
  } else if (!net.isIPv4(host) && !HOSTNAME.test(host)) {
    throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: host ${JSON.stringify(host)} is not a host name or IP address`);
  }
  let port = DEFAULT_PORTS[scheme];
  if (m[3] !== undefined) {
    if (!/^\d{1,5}$/.test(m[3]) || Number(m[3]) < 1 || Number(m[3]) > 65535) {
      throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: port ${JSON.stringify(m[3])} is not a number from 1 to 65535`);
    }
    port = Number(m[3]);
  }
  return { scheme, host, port };
}
