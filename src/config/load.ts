// Reads the YAML config (if any), lays the flags over it and validates the result.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configError } from '../core/errors';
import { configSchema, type Config } from './schema';

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw configError(`config ${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw configError(`config ${path}: the top level must be a mapping`);
  return doc as Record<string, unknown>;
}

function describeIssues(issues: z.core.$ZodIssue[], origin: string): string {
  return issues
    .map((i) => {
      const path = i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      const keys = i.code === 'unrecognized_keys' ? `unknown key ${i.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}` : `${path || '(top level)'}: ${i.message}`;
      return `${origin}: ${keys}`;
    })
    .join('\n');
}

/** Validates a raw (file + flags) object; throws E_CONFIG naming each bad key path. */
export function validateConfig(raw: unknown, origin = 'config'): Config {
  const r = configSchema.safeParse(raw);
  if (!r.success) throw configError(describeIssues(r.error.issues, origin));
  return r.data;
}
