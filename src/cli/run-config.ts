// Turns the run command's flags and config file into one validated Config.
import { join } from 'node:path';
import { usageError } from '../core/errors';
import { defaultStateDir } from '../config/state-dir';
import { duration, type Config } from '../config/schema';
import { parseHttpUrl, parseSyslogEndpoint } from '../config/endpoint';
import { readConfigFile, validateConfig } from '../config/load';

export interface RunFlags {
  syslog?: string[];
  syslogFormat?: string;
  syslogCa?: string;
  file?: string[];
  fileFormat?: string;
  store?: string;
  elasticsearch?: string;
  source?: string;
  pollInterval?: string;
  spoolDir?: string;
  console?: boolean;
  consoleFormat?: string;
  logLevel?: string;
  config?: string;
  /** The sinks these flags name (file, syslog, Elasticsearch, console) also get connection_closed records. */
  closes?: boolean;
}

// The config file's object before validation: any shape, checked by the schema afterwards.
// biome-ignore lint/suspicious/noExplicitAny: flags are laid over keys the schema has not checked yet
type Raw = Record<string, any>;

/** Lays the flags over the config file's raw object; each flag is checked under its own name. */
export function mergeFlags(raw: Raw, flags: RunFlags): Raw {
  const out: Raw = { ...raw };
  const section = (k: string): Raw => (out[k] = { ...(out[k] ?? {}) });
  if (flags.source) out.source = flags.source;
  if (flags.pollInterval !== undefined) {
    if (!duration.safeParse(flags.pollInterval).success) throw usageError(`--poll-interval ${flags.pollInterval}: expected a duration such as 500ms, 1s or 2m`);
    section('poll').interval = flags.pollInterval;
  }
  if (flags.logLevel) section('log').level = flags.logLevel;
  if (flags.console !== undefined) section('console').enabled = flags.console;
  if (flags.consoleFormat) section('console').format = flags.consoleFormat;
  if (flags.spoolDir) section('spool').dir = flags.spoolDir;
  if (flags.store !== undefined) {
    if (flags.store.trim() === '') throw usageError('--store: expected a file path for the SQLite store');
    Object.assign(section('store'), { path: flags.store, enabled: true });
  }
  const closes = flags.closes ? { closes: true } : {};
  if (flags.closes) section('console').closes = true;
  const sinks = section('sinks');
  if (flags.syslog?.length) {
    sinks.syslog = flags.syslog.map((url) => {
      const checked = parseSyslogEndpoint(url);
      if (!checked.ok) throw usageError(`--syslog ${url}: ${checked.problem}`);
      return { url, format: flags.syslogFormat ?? 'rfc5424', ...(flags.syslogCa ? { tls: { caFile: flags.syslogCa } } : {}), ...closes };
    });
  }
  if (flags.file?.length) sinks.file = flags.file.map((path) => ({ path, format: flags.fileFormat ?? 'ecs', ...closes }));
  if (flags.elasticsearch) {
    const checked = parseHttpUrl(flags.elasticsearch);
    if (!checked.ok) throw usageError(`--elasticsearch ${flags.elasticsearch}: ${checked.problem}`);
    sinks.elasticsearch = [{ url: flags.elasticsearch, ...closes }];
  }
  return out;
}

/**
 * With no sink named, the embedded default: the local store plus a readable console line.
 * A store path (--store, or store.path in the config) adds the store to whatever else is named.
 */
export function applyEmbeddedDefault(config: Config): Config {
  const named = config.sinks.syslog.length + config.sinks.file.length + config.sinks.elasticsearch.length;
  const storeOn = config.store.enabled ?? (named === 0 || config.store.path !== undefined);
  const store = { ...config.store, enabled: storeOn, path: storeOn ? (config.store.path ?? defaultStorePath()) : config.store.path };
  return { ...config, store, console: { ...config.console, enabled: config.console.enabled ?? named === 0 } };
}

export function defaultStorePath(): string {
  return join(defaultStateDir(), 'packettrail.db');
}

export function resolveRunConfig(flags: RunFlags): Config {
  const raw = flags.config ? readConfigFile(flags.config) : {};
  const merged = mergeFlags(raw, flags);
  return applyEmbeddedDefault(validateConfig(merged, flags.config ? `config ${flags.config}` : 'options'));
}
