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
  elasticsearch?: string;
  source?: string;
  pollInterval?: string;
  spoolDir?: string;
  console?: boolean;
  consoleFormat?: string;
  logLevel?: string;
  config?: string;
}

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
  const sinks = section('sinks');
  if (flags.syslog?.length) {
    sinks.syslog = flags.syslog.map((url) => {
      const checked = parseSyslogEndpoint(url);
      if (!checked.ok) throw usageError(`--syslog ${url}: ${checked.problem}`);
      return { url, format: flags.syslogFormat ?? 'rfc5424', ...(flags.syslogCa ? { tls: { caFile: flags.syslogCa } } : {}) };
    });
  }
  if (flags.file?.length) sinks.file = flags.file.map((path) => ({ path, format: flags.fileFormat ?? 'ecs' }));
  if (flags.elasticsearch) {
    const checked = parseHttpUrl(flags.elasticsearch);
    if (!checked.ok) throw usageError(`--elasticsearch ${flags.elasticsearch}: ${checked.problem}`);
    sinks.elasticsearch = [{ url: flags.elasticsearch }];
  }
  return out;
}

/** With no sink named, the embedded default: a readable console line plus a local file. */
export function applyEmbeddedDefault(config: Config): Config {
  const named = config.sinks.syslog.length + config.sinks.file.length + config.sinks.elasticsearch.length;
  if (named > 0) return { ...config, console: { ...config.console, enabled: config.console.enabled ?? false } };
  return {
    ...config,
    console: { ...config.console, enabled: config.console.enabled ?? true },
    sinks: { ...config.sinks, file: [{ path: join(defaultStateDir(), 'connections.jsonl'), format: 'ecs' }] },
  };
}

export function resolveRunConfig(flags: RunFlags): Config {
  const raw = flags.config ? readConfigFile(flags.config) : {};
  const merged = mergeFlags(raw, flags);
  return applyEmbeddedDefault(validateConfig(merged, flags.config ? `config ${flags.config}` : 'options'));
}

