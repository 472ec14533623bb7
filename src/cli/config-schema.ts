// The one configuration schema: the YAML file and the flags both land here, and it is
// validated before anything starts (an unknown key or a bad value names its key path).
import { z } from 'zod';
import { isIP } from 'node:net';
import { storeSection } from '../config/store-schema';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1s", "500ms", "2m" or a number of milliseconds. */
export const duration = z.union([z.number().positive(), z.string().regex(DURATION, 'a duration such as 500ms, 1s or 2m')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = DURATION.exec(v)!;
  return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
});

const SIZE = /^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
/** "256MiB", "1GB" or a number of bytes. */
export const byteSize = z.union([z.number().int().positive(), z.string().regex(SIZE, 'a size such as 64MiB or 1GB')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = SIZE.exec(v)!;
  return Number(m[1]) * UNIT_BYTES[(m[2] ?? 'b').toLowerCase()]!;
});

export const hostName = z.string().refine((h) => isIP(h) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/.test(h), 'a host name or IP address');
export const port = z.number().int().min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');

const tls = z.strictObject({
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  serverName: z.string().optional(),
});

const spool = z.strictObject({
  dir: z.string().optional(),
  maxBytes: byteSize.optional(),
  minFreeBytes: byteSize.optional(),
});

/** scheme://host:port with [v6] hosts; the message names what is wrong. */
export function checkEndpointUrl(url: string, schemes: string[]): string | undefined {
  const m = /^([a-z]+):\/\/(\[[^\]]+\]|[^:/\[\]]+):(\d+)\/?$/.exec(url);
  const form = schemes.map((s) => `${s}://host:port`).join(', ');
  if (!m) return `expected ${form}`;
  if (!schemes.includes(m[1]!)) return `scheme ${m[1]} is not one of ${schemes.join(', ')}`;
  const host = m[2]!.replace(/^\[|\]$/g, '');
  if (!hostName.safeParse(host).success) return `bad host ${JSON.stringify(host)}`;
  const p = Number(m[3]);
  if (!(p >= 1 && p <= 65535)) return `port ${m[3]} is out of range 1-65535`;
  return undefined;
}

const syslogUrl = z.string().superRefine((url, ctx) => {
  const problem = checkEndpointUrl(url, ['udp', 'tcp', 'tls', 'relp']);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const syslogSink = z.strictObject({
  url: syslogUrl,
  format: z.enum(['rfc5424', 'rfc3164', 'seed']).default('rfc5424'),
  tls: tls.optional(),
  spool: spool.optional(),
});

export const recordFormat = z.enum(['ecs', 'ocsf', 'sigma', 'seed']);

const fileSink = z.strictObject({
  path: z.string().min(1),
  format: recordFormat.default('ecs'),
});

const elasticsearchSink = z.strictObject({
  url: z.string().regex(/^https?:\/\/.+/, 'an http:// or https:// URL'),
  dataStream: z.string().default('logs-packettrail.connection-default'),
  format: recordFormat.exclude(['seed']).default('ecs'),
  apiKey: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  caFile: z.string().optional(),
  spool: spool.optional(),
});

export const configSchema = z.strictObject({
  source: z.enum(['auto', 'ebpf', 'tracefs', 'poll']).default('auto'),
  poll: z.strictObject({ interval: duration.default(1000) }).default({ interval: 1000 }),
  udp: z.strictObject({ idleTimeout: duration.default(60_000) }).default({ idleTimeout: 60_000 }),
  stats: z.strictObject({ interval: duration.default(60_000) }).default({ interval: 60_000 }),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') }).default({ level: 'info' }),
  console: z.strictObject({ enabled: z.boolean().optional(), format: z.enum(['text', 'ecs', 'ocsf', 'sigma', 'seed']).default('text') }).default({ format: 'text' }),
  spool: spool.default({}),
  store: storeSection,
  sinks: z
    .strictObject({
      syslog: z.array(syslogSink).default([]),
      file: z.array(fileSink).default([]),
      elasticsearch: z.array(elasticsearchSink).default([]),
    })
    .default({ syslog: [], file: [], elasticsearch: [] }),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
