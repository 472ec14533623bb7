// Syslog output: formats live in src/format/ (rfc5424, rfc3164, seed); transports and the formatter here.
export { parseSyslogUrl, DEFAULT_PORTS, type SyslogScheme, type SyslogTarget } from './url';
export { createSyslogTransport, MAX_RECORD_BYTES, type SyslogTransportOptions } from './transport';
export { createSyslogFormatter, type SyslogFormat } from './formatter';
export type { SyslogTlsOptions } from './stream-transport';
