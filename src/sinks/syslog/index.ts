// Syslog output: formats live in src/format/ (rfc5424, rfc3164, seed); transports and the formatter here.
export { parseSyslogUrl } from './url';
export { createSyslogTransport, MAX_RECORD_BYTES } from './transport';
export { createSyslogFormatter, type SyslogFormat } from './formatter';
export type { SyslogTlsOptions } from './stream-transport';
