// The syslog transport for a `--syslog` URL: udp://, tcp://, tls:// or relp://.
import type { Logger } from '../../core/context';
import type { BatchTransport } from '../delivery';
import { createRelpTransport } from './relp-transport';
import { createStreamTransport, type SyslogTlsOptions } from './stream-transport';
import { createUdpTransport } from './udp-transport';
import { parseSyslogUrl, type SyslogScheme } from './url';

export interface SyslogTransportOptions {
  tls?: SyslogTlsOptions | undefined;
  logger: Logger;
}

/** Frame caps: about 2 KB fits a UDP datagram without fragmentation; streams allow 8 KB. */
export const MAX_RECORD_BYTES: Record<SyslogScheme, number> = { udp: 2048, tcp: 8192, tls: 8192, relp: 8192 };

/** Throws PtError E_USAGE for a bad URL and E_CONFIG for unreadable TLS files; never connects here. */
export function createSyslogTransport(url: string, opts: SyslogTransportOptions): BatchTransport {
  const t = parseSyslogUrl(url);
  switch (t.scheme) {
    case 'udp':
      return createUdpTransport({ host: t.host, port: t.port, logger: opts.logger });
    case 'tcp':
    case 'tls':
      return createStreamTransport({ scheme: t.scheme, host: t.host, port: t.port, logger: opts.logger, ...(opts.tls ? { tls: opts.tls } : {}) });
    case 'relp':
      return createRelpTransport({ host: t.host, port: t.port, logger: opts.logger });
  }
}
