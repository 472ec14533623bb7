// `packettrail run` and the original `packettrail SYSLOG_HOST SYSLOG_PORT`.
export type { RunFlags } from '../run-config';
import { isIP } from 'node:net';
import { usageError } from '../../core/errors';
import { systemClock, type Context } from '../../core/context';
import { createLogger } from '../logger';
import { detectHostInfo } from '../../process/host-info';
import { startSensor } from '../../pipeline/daemon';
import { hostName, type Config } from '../../config/schema';
import { validateConfig } from '../../config/load';
import { resolveRunConfig, type RunFlags } from '../run-config';
import { AGENT_VERSION } from '../version';

export async function runCommand(flags: RunFlags): Promise<number> {
  return runSensor(resolveRunConfig(flags));
}

export async function legacyCommand(host: string, portText: string): Promise<number> {
  if (!hostName.safeParse(host).success) throw usageError(`SYSLOG_HOST ${JSON.stringify(host)}: expected a host name or IP address`);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw usageError(`SYSLOG_PORT ${JSON.stringify(portText)}: expected a port from 1 to 65535`);
  const url = `udp://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const config = validateConfig({ sinks: { syslog: [{ url, format: 'seed' }] }, console: { enabled: false } }, 'arguments');
  return runSensor(config);
}

async function runSensor(config: Config): Promise<number> {
  const logger = createLogger(config.log.level);
  const ctx: Context = { logger, clock: systemClock, host: detectHostInfo(), agentVersion: AGENT_VERSION };
  // Listening before anything starts: a signal that arrives during start-up, or just after
  // the ready line, stops the sensor cleanly once it has started instead of killing it.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const sensor = await startSensor(config, ctx);
  process.stderr.write(`packettrail ready capture=${sensor.tier} (${sensor.why})\n`);
  await stopRequested;
  await sensor.stop();
  return 0;
}
