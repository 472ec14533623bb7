// A real pino logger whose JSON lines are kept in memory, parsed: tests read exactly what the
// sensor would print on stderr (the `err` serialiser included).
import pino from 'pino';
import type { Logger } from '../../src/core/context';

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  err?: { type: string; message: string; stack: string; code?: string };
  suppressed?: number;
  [field: string]: unknown;
}

export const WARN = 40;
export const ERROR = 50;

export function capturedLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
