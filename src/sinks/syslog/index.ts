// Syslog output: formats live in src/format/ (rfc5424, rfc3164, seed); transports and the sink here.
export { parseSyslogUrl, DEFAULT_PORTS, type SyslogScheme, type SyslogTarget } from './url';
export { createSyslogTransport, MAX_RECORD_BYTES, type SyslogTransportOptions } from './transport';
export { createSyslogSink, createSyslogFormatter, type SyslogFormat, type SyslogSink, type SyslogSinkOptions } from './sink';
export type { SyslogTlsOptions } from './stream-transport';
