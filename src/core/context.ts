// What every stage gets from its factory instead of reading globals: tests pass their own.
import { wallNowUs } from './clock';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** A logger whose lines also carry `bindings` (each stage binds its `component`). */
  child(bindings: Record<string, unknown>): Logger;
}

export interface HostInfo {
  name: string;
  /** The host's primary non-loopback address (the original's HOST_IP field). */
  ip: string;
  /** All non-loopback addresses, for ECS host.ip. */
  ips: string[];
  /** Stable host id (machine-id), the salt of process.entity_id. */
  id: string;
  bootTimeMs: number;
}

export interface Clock {
  /** Wall clock, epoch microseconds. */
  nowUs(): number;
}

export interface Context {
  logger: Logger;
  clock: Clock;
  host: HostInfo;
  agentVersion: string;
}

export const systemClock: Clock = {
  nowUs: () => Math.round(wallNowUs()),
};

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
