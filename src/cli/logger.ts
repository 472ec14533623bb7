// The sensor's own diagnostics: JSON lines on stderr (pino). Records never go through here.
import pino from 'pino';
import type { Logger } from '../core/context';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { name: 'packettrail' } }, pino.destination({ fd: 2, sync: true }));
}
