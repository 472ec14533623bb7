// Checks a record's field names and JSON types against one ECS release's field list
// (test/fixtures/ecs/<version>/fields.csv, derived from the release's generated/csv/fields.csv):
// every leaf must be a field of that release with a JSON type its ECS type accepts, or lie
// under a namespace ECS leaves to the producer (packettrail.*, labels.*).
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo';

interface EcsField {
  readonly type: string;
  /** ECS normalises the value to an array. */
  readonly array: boolean;
}

export type EcsFields = ReadonlyMap<string, EcsField>;

/** The field list of ECS `version` from the fixture. */
export function loadEcsFields(version: string): EcsFields {
  const text = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'ecs', version, 'fields.csv'), 'utf8');
  const fields = new Map<string, EcsField>();
  for (const line of text.split('\n').slice(1)) {
    if (line === '') continue;
    const [name, type, normalization] = line.split(',');
    if (!name || !type) throw new Error(`fields.csv: bad line ${JSON.stringify(line)}`);
    fields.set(name, { type, array: (normalization ?? '').split(' ').includes('array') });
  }
  return fields;
}

/** Namespaces whose members ECS does not define: the producer's own, and free-form labels. */
const CUSTOM_PREFIXES = ['packettrail.', 'labels.'];

// The JSON type each ECS type takes in a document. Types absent here (object, nested,
// flattened, geo_point) are containers, never leaves of ours.
const JSON_TYPE: Readonly<Record<string, 'string' | 'number' | 'integer' | 'boolean'>> = {
  keyword: 'string',
  constant_keyword: 'string',
  wildcard: 'string',
  match_only_text: 'string',
  text: 'string',
  ip: 'string',
  date: 'string',
  long: 'integer',
  integer: 'integer',
  short: 'integer',
  byte: 'integer',
  unsigned_long: 'integer',
  float: 'number',
  half_float: 'number',
  double: 'number',
  scaled_float: 'number',
  boolean: 'boolean',
};

/** One message per leaf of doc that ECS `fields` does not allow; empty when the document conforms. */
export function ecsFieldErrors(doc: unknown, fields: EcsFields): string[] {
  const errors: string[] = [];
  walk(doc, '', fields, errors);
  return errors;
}

function walk(value: unknown, at: string, fields: EcsFields, errors: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && at !== '') errors.push(`${at}: empty object`);
    for (const [k, v] of entries) walk(v, at === '' ? k : `${at}.${k}`, fields, errors);
    return;
  }
  if (CUSTOM_PREFIXES.some((p) => at.startsWith(p))) return;
  const field = fields.get(at);
  if (!field) {
    errors.push(`${at}: not a field of this ECS version`);
    return;
  }
  const want = JSON_TYPE[field.type];
  if (!want) {
    errors.push(`${at}: ECS type ${field.type} is not a leaf value`);
    return;
  }
  if (Array.isArray(value)) {
    if (!field.array) errors.push(`${at}: an array, but ECS keeps one value here`);
    for (let i = 0; i < value.length; i++) checkScalar(value[i], `${at}[${i}]`, field.type, want, errors);
    return;
  }
  if (field.array) errors.push(`${at}: ECS normalises this field to an array`);
  checkScalar(value, at, field.type, want, errors);
}

function checkScalar(value: unknown, at: string, ecsType: string, want: (typeof JSON_TYPE)[string], errors: string[]): void {
  const ok =
    want === 'integer' ? typeof value === 'number' && Number.isInteger(value) : want === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === want;
  if (!ok) errors.push(`${at}: ${JSON.stringify(value)} is not a ${want} (ECS ${ecsType})`);
}
