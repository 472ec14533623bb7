// The one configuration schema: the YAML file and the flags both land here, and it is
// validated before anything starts (an unknown key or a bad value names its key path).
import { z } from 'zod';
import { isHostName, parseHttpUrl, parseSyslogEndpoint } from './endpoint';
import { detectSchema } from './detect-schema';
import { hashSchema } from './hash-schema';
import { byteSize, duration } from './duration';
import { storeSection } from './store-schema';

export { duration };

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

/** Whether a sink gets the connection_closed records (one more record per TCP connection). */
const closes = z.boolean().default(false);

const syslogSink = z.strictObject({
  url: syslogUrl,
  format: z.enum(['rfc5424', 'rfc3164', 'seed']).default('rfc5424'),
  closes,
  tls: tls.optional(),
  spool: spool.optional(),
});

const recordFormat = z.enum(['ecs', 'ocsf', 'sigma', 'seed']);

const fileSink = z.strictObject({
  path: z.string().min(1),
  format: recordFormat.default('ecs'),
  closes,
});

const elasticsearchSink = z.strictObject({
  url: httpUrl,
  dataStream: z.string().default('logs-packettrail.connection-default'),
  format: recordFormat.exclude(['seed']).default('ecs'),
  closes,
  apiKey: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  caFile: z.string().optional(),
  spool: spool.optional(),
});

// The domain behind each address, from the DNS answers the ebpf tier sees (docs/dns.md).
const dnsSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** process: a connection gets the name its own process asked for; host: any process's. */
    linkage: z.enum(['process', 'host']).default('process'),
    /** Server ports read as DNS besides 53 (a resolver on another port). */
    ports: z.array(z.number().int().min(1).max(65535)).max(7).default([]),
    maxNames: z.number().int().min(1).default(65_536),
    /** An answer is kept at least this long, whatever its TTL. */
    minTtl: duration.default(60_000),
  })
  .default({ enabled: true, linkage: 'process', ports: [], maxNames: 65_536, minTtl: 60_000 });

export const configSchema = z.strictObject({
  source: z.enum(['auto', 'ebpf', 'tracefs', 'poll']).default('auto'),
  poll: z.strictObject({ interval: duration.default(1000) }).default({ interval: 1000 }),
  udp: z.strictObject({ idleTimeout: duration.default(60_000) }).default({ idleTimeout: 60_000 }),
  stats: z.strictObject({ interval: duration.default(60_000) }).default({ interval: 60_000 }),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') }).default({ level: 'info' }),
  console: z
    .strictObject({ enabled: z.boolean().optional(), format: z.enum(['text', 'ecs', 'ocsf', 'sigma', 'seed']).default('text'), closes })
    .default({ format: 'text', closes: false }),
  spool: spool.default({}),
  sigma: z.strictObject({ allEvents: z.boolean().default(false) }).default({ allEvents: false }),
  dns: dnsSection,
  detect: detectSchema,
  hash: hashSchema,
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
