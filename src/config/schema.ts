// The one configuration schema: the YAML file and the flags both land here, and it is
// validated before anything starts (an unknown key or a bad value names its key path).
import { z } from 'zod';
import { isHostName, parseHttpUrl, parseSyslogEndpoint } from './endpoint';
import { detectSchema } from './detect-schema';
import { duration } from './duration';
import { storeSection } from './store-schema';

export { duration };

const SIZE = /^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
/** "256MiB", "1GB" or a number of bytes. */
const byteSize = z.union([z.number().int().positive(), z.string().regex(SIZE, 'a size such as 64MiB or 1GB')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = SIZE.exec(v)!;
  return Number(m[1]) * UNIT_BYTES[(m[2] ?? 'b').toLowerCase()]!;
});

export const hostName = z.string().refine(isHostName, 'a host name or IP address');

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

const syslogUrl = z.string().superRefine((url, ctx) => {
  const checked = parseSyslogEndpoint(url);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
});

const httpUrl = z.string().superRefine((url, ctx) => {
  const checked = parseHttpUrl(url);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
});

const syslogSink = z.strictObject({
  url: syslogUrl,
  format: z.enum(['rfc5424', 'rfc3164', 'seed']).default('rfc5424'),
  tls: tls.optional(),
  spool: spool.optional(),
});

const recordFormat = z.enum(['ecs', 'ocsf', 'sigma', 'seed']);

const fileSink = z.strictObject({
  path: z.string().min(1),
  format: recordFormat.default('ecs'),
});

const elasticsearchSink = z.strictObject({
  url: httpUrl,
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
  detect: detectSchema,
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
