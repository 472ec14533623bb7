// `packettrail hunt`: the detectors over the stored history, for the responder who arrives
// after the fact. The engine replays the whole store from its first record, so its state at
// any moment is what the live sensor's was; `--since` only chooses which findings to print.
// Findings the live sensor already raised are printed too: a hunt is a report, not a feed.
import { RULE_NAMES, type RuleName } from '../../core/alert';
import type { ConnectionEvent } from '../../core/connection-event';
import { systemClock } from '../../core/context';
import { usageError } from '../../core/errors';
import { detectSchema } from '../../config/detect-schema';
import { readConfigFile, validateConfig } from '../../config/load';
import { DetectEngine } from '../../detect/engine';
import { detectOptionsFrom } from '../../detect/options-from-config';
import type { DetectOptions } from '../../detect/options';
import { createRecordFormatter } from '../../format/registry';
import { detectHostInfo } from '../../process/host-info';
import { consoleLine } from '../../sinks/console/console-sink';
import { openStoreReadOnly, readActivity, readHostMeta } from '../../sinks/store';
import { defaultStorePath } from '../run-config';
import { StdoutWriter } from '../stdout-writer';
import { AGENT_VERSION } from '../version';
import { parseTime } from './query-args';

export interface HuntFlags {
  store?: string;
  since?: string;
  rule?: string[];
  json?: boolean;
  config?: string;
}

export async function huntCommand(flags: HuntFlags): Promise<number> {
  const sinceUs = flags.since === undefined ? 0 : parseTime('--since', flags.since, systemClock.nowUs());
  const rules = new Set((flags.rule ?? []).map((r) => ruleName(r)));
  const options = detectOptions(flags.config);
  const db = openStoreReadOnly(flags.store ?? defaultStorePath());
  const out = new StdoutWriter();
  try {
    const env = { host: readHostMeta(db) ?? detectHostInfo(), agentVersion: AGENT_VERSION };
    const render: (ev: ConnectionEvent) => string = flags.json ? createRecordFormatter('ecs', env).line : consoleLine;
    const engine = new DetectEngine(options);
    for (const item of readActivity(db, { sinceUs: 0 })) {
      for (const alert of engine.observe(item)) {
        if (alert.timeUs < sinceUs || (rules.size > 0 && !rules.has(alert.alert!.rule))) continue;
        out.line(render(alert));
      }
    }
    return 0;
  } finally {
    out.flush();
    db.close();
  }
}

function ruleName(text: string): RuleName {
  const rule = RULE_NAMES.find((r) => r === text);
  if (!rule) throw usageError(`--rule ${JSON.stringify(text)}: expected one of ${RULE_NAMES.join(', ')}`);
  return rule;
}

/** The detectors' options: the config file's `detect:` section when one is named, else the defaults. */
function detectOptions(configPath: string | undefined): DetectOptions {
  if (configPath === undefined) return detectOptionsFrom(detectSchema.parse({}));
  return detectOptionsFrom(validateConfig(readConfigFile(configPath), `config ${configPath}`).detect);
}
