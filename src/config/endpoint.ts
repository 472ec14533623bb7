// The rules for where records are sent: host names, ports, `scheme://host[:port]` URLs and
// http(s) URLs. The config schema, the command-line flags and the sinks all check against
// these, so a value one of them accepts the others accept too. Messages name what is wrong
// and leave it to the caller to say which setting held the value.
import { isIP, isIPv6 } from 'node:net';

// RFC 1123 labels; '_' is allowed too, as internal DNS names carry it and resolvers pass it.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** An IP address (v4 or v6, without brackets) or a DNS host name. */
export function isHostName(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export interface EndpointUrl {
  /** Lower case, one of the schemes asked for. */
  readonly scheme: string;
  /** Host name or IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
}

const ENDPOINT_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^:/[\]]*)(?::([^/]*))?\/?$/;

/**
 * `scheme://host[:port][/]` with `[v6]` hosts. The port may be left out only for a scheme
 * with an entry in `defaultPorts`.
 */
export function parseEndpointUrl(url: string, schemes: readonly string[], defaultPorts: Readonly<Record<string, number>> = {}): Checked<EndpointUrl> {
  const fail = (problem: string): Checked<EndpointUrl> => ({ ok: false, problem });
  const m = ENDPOINT_URL.exec(url);
  if (!m) return fail(`expected ${schemes.map((s) => `${s}://HOST:PORT`).join(', ')}`);
  const scheme = m[1]!.toLowerCase();
  if (!schemes.includes(scheme)) return fail(`scheme ${JSON.stringify(scheme)} is not one of ${schemes.join(', ')}`);
  let host = m[2]!;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return fail(`${JSON.stringify(host)} is not an IPv6 address`);
  } else if (!isHostName(host)) {
    return fail(`host ${JSON.stringify(host)} is not a host name or IP address`);
  }
  const portText = m[3];
  if (portText === undefined) {
    const port = defaultPorts[scheme];
    return port === undefined ? fail(`no port: expected ${scheme}://HOST:PORT`) : { ok: true, value: { scheme, host, port } };
  }
  if (!/^\d{1,5}$/.test(portText)) return fail(`port ${JSON.stringify(portText)} is not a number from 1 to 65535`);
  const port = Number(portText);
  if (!isPort(port)) return fail(`port ${port} is out of range 1-65535`);
  return { ok: true, value: { scheme, host, port } };
}

/** An http:// or https:// URL with a valid host and no query or fragment (a path is fine). */
export function parseHttpUrl(url: string): Checked<URL> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, problem: `${JSON.stringify(url)} is not a URL; expected http(s)://host:port` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, problem: `scheme "${u.protocol}" is not supported; expected http:// or https://` };
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) return { ok: false, problem: `${JSON.stringify(url)} has no host` };
  if (!isHostName(host)) return { ok: false, problem: `host ${JSON.stringify(host)} is not a host name or IP address` };
  if (u.search || u.hash) return { ok: false, problem: `${JSON.stringify(url)} must not have a query or fragment` };
  return { ok: true, value: u };
}

const SYSLOG_SCHEMES = ['udp', 'tcp', 'tls', 'relp'] as const;
export type SyslogScheme = (typeof SYSLOG_SCHEMES)[number];

/** Ports used when a syslog URL names none: 514 (udp, tcp), 6514 (tls, RFC 5425), 2514 (relp, rsyslog's usual). */
const SYSLOG_DEFAULT_PORTS: Readonly<Record<SyslogScheme, number>> = { udp: 514, tcp: 514, tls: 6514, relp: 2514 };

export interface SyslogTarget extends EndpointUrl {
  readonly scheme: SyslogScheme;
}

/** `udp://h:p | tcp://h:p | tls://h:p | relp://h:p`, the port optional. */
export function parseSyslogEndpoint(url: string): Checked<SyslogTarget> {
  return parseEndpointUrl(url, SYSLOG_SCHEMES, SYSLOG_DEFAULT_PORTS) as Checked<SyslogTarget>;
}
