// A validator of OCSF records over the schema's own source files (test/fixtures/ocsf/<version>):
// it resolves what the OCSF server would (class and object `extends`, `$include`d profiles,
// dictionary types and enums) and reports every way a record departs from it: a missing
// required attribute, an attribute the class or object does not define, a profile attribute
// whose profile the record does not declare, a value of the wrong type, an enum value the
// schema lacks, a caption that disagrees with its id, a wrong type_uid or category, a
// metadata.version other than the schema's. Files are read on first use, so the fixture
// needs only the classes, objects and profiles that records use.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './repo';

interface EnumValue {
  readonly caption: string;
  readonly '@deprecated'?: unknown;
}

/** One attribute as the schema resolves it: the dictionary's entry under the class's or object's overrides. */
interface Attribute {
  readonly type: string;
  readonly is_array?: boolean;
  readonly requirement?: string;
  readonly enum?: Readonly<Record<string, EnumValue>>;
  readonly sibling?: string;
  readonly profile?: string | null;
  readonly '@deprecated'?: unknown;
}

interface SchemaFile {
  readonly name: string;
  readonly caption: string;
  readonly extends?: string;
  readonly category?: string;
  readonly uid?: number;
  readonly meta?: string;
  readonly constraints?: Readonly<{ at_least_one?: readonly string[]; just_one?: readonly string[] }>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface Resolved {
  readonly name: string;
  readonly caption: string;
  readonly attributes: Readonly<Record<string, Attribute>>;
  readonly constraints: Readonly<{ at_least_one?: readonly string[]; just_one?: readonly string[] }>;
}

interface EventClass extends Resolved {
  readonly uid: number;
  readonly categoryUid: number;
  readonly categoryCaption: string;
}

interface TypeDef {
  readonly type?: string;
  readonly regex?: string;
  readonly max_len?: number;
  readonly range?: readonly [number, number];
  readonly values?: readonly unknown[];
}

type Json = Record<string, unknown>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// The id that says "the caption is the producer's own", so its sibling may hold any string.
const OTHER = '99';

/** The schema of an OCSF release whose files are in test/fixtures/ocsf/<version>. */
export function ocsfSchema(version: string): OcsfSchema {
  return new OcsfSchema(join(repoRoot(), 'test/fixtures/ocsf', version));
}

export class OcsfSchema {
  private readonly version: string;
  private readonly dictionary: Readonly<Record<string, Json>>;
  private readonly types: Readonly<Record<string, TypeDef>>;
  private readonly categories: Readonly<Record<string, { uid: number; caption: string }>>;
  private readonly objects = new Map<string, Resolved>();
  private readonly classes = new Map<number, EventClass>();
  private readonly classFiles = new Map<string, string>();

  constructor(private readonly root: string) {
    this.version = (this.read('version.json') as { version: string }).version;
    const dict = this.read('dictionary.json') as { attributes: Record<string, Json>; types: { attributes: Record<string, TypeDef> } };
    this.dictionary = dict.attributes;
    this.types = dict.types.attributes;
    this.categories = (this.read('categories.json') as { attributes: Record<string, { uid: number; caption: string }> }).attributes;
    for (const file of listJson(join(root, 'events'))) {
      const def = this.read(file) as SchemaFile;
      this.classFiles.set(def.name, file);
    }
  }

  get schemaVersion(): string {
    return this.version;
  }

  /** Every departure of doc from the schema, as "path: what"; empty when the record validates. */
  validate(doc: Json): string[] {
    const errors: string[] = [];
    const classUid = doc.class_uid;
    if (typeof classUid !== 'number') return [`class_uid: ${String(classUid)} is not a number`];
    const cls = this.eventClass(classUid);
    if (!cls) return [`class_uid: no event class ${String(classUid)} in the schema`];
    const metadata = (doc.metadata ?? {}) as Json;
    if (metadata.version !== this.version) errors.push(`metadata.version: ${String(metadata.version)} is not the schema's ${this.version}`);
    const profiles = Array.isArray(metadata.profiles) ? (metadata.profiles as unknown[]).map(String) : [];
    for (const p of profiles) if (!this.hasProfile(p)) errors.push(`metadata.profiles: no profile ${p} in the schema`);
    if (doc.class_name !== cls.caption) errors.push(`class_name: ${String(doc.class_name)} is not ${cls.caption}`);
    if (doc.category_uid !== cls.categoryUid) errors.push(`category_uid: ${String(doc.category_uid)} is not ${cls.categoryUid}`);
    if ('category_name' in doc && doc.category_name !== cls.categoryCaption) errors.push(`category_name: ${String(doc.category_name)} is not ${cls.categoryCaption}`);
    const activity = cls.attributes.activity_id?.enum?.[String(doc.activity_id)];
    if (typeof doc.activity_id === 'number' && doc.type_uid !== classUid * 100 + doc.activity_id) {
      errors.push(`type_uid: ${String(doc.type_uid)} is not class_uid * 100 + activity_id = ${classUid * 100 + doc.activity_id}`);
    }
    if (activity && 'type_name' in doc && doc.type_name !== `${cls.caption}: ${activity.caption}`) {
      errors.push(`type_name: ${String(doc.type_name)} is not ${cls.caption}: ${activity.caption}`);
    }
    this.checkObject(doc, cls, '', new Set(profiles), errors);
    return errors;
  }

  private checkObject(value: Json, def: Resolved, path: string, profiles: ReadonlySet<string>, errors: string[]): void {
    const at = (k: string): string => (path ? `${path}.${k}` : k);
    for (const [name, attr] of Object.entries(def.attributes)) {
      const fromProfile = attr.profile ?? undefined;
      if (attr.requirement === 'required' && !(name in value) && (!fromProfile || profiles.has(fromProfile))) errors.push(`${at(name)}: required by ${def.name}, missing`);
    }
    for (const [name, v] of Object.entries(value)) {
      const attr = def.attributes[name];
      if (!attr) {
        errors.push(`${at(name)}: not an attribute of ${def.name}`);
        continue;
      }
      const fromProfile = attr.profile ?? undefined;
      if (fromProfile && !profiles.has(fromProfile)) errors.push(`${at(name)}: from profile ${fromProfile}, which metadata.profiles does not declare`);
      if (attr['@deprecated']) errors.push(`${at(name)}: deprecated in ${this.version}`);
      if (attr.is_array) {
        if (!Array.isArray(v)) errors.push(`${at(name)}: not an array`);
        else for (const [i, item] of v.entries()) this.checkValue(item, attr, `${at(name)}[${i}]`, profiles, errors);
      } else this.checkValue(v, attr, at(name), profiles, errors);
      if (attr.enum && attr.sibling && attr.sibling in value && String(v) !== OTHER) {
        const caption = attr.enum[String(v)]?.caption;
        if (caption !== undefined && value[attr.sibling] !== caption)
          errors.push(`${at(attr.sibling)}: ${String(value[attr.sibling])} is not ${caption}, the caption of ${name} ${String(v)}`);
      }
    }
    const present = (k: string): boolean => k in value;
    const { at_least_one: atLeastOne, just_one: justOne } = def.constraints;
    if (atLeastOne && !atLeastOne.some(present)) errors.push(`${path || '(record)'}: ${def.name} needs at least one of ${atLeastOne.join(', ')}`);
    if (justOne && justOne.filter(present).length !== 1) errors.push(`${path || '(record)'}: ${def.name} needs exactly one of ${justOne.join(', ')}`);
  }

  private checkValue(v: unknown, attr: Attribute, path: string, profiles: ReadonlySet<string>, errors: string[]): void {
    if (attr.enum && !(String(v) in attr.enum)) errors.push(`${path}: ${JSON.stringify(v)} is not a value of its enum (${Object.keys(attr.enum).join(', ')})`);
    if (attr.enum?.[String(v)]?.['@deprecated']) errors.push(`${path}: value ${JSON.stringify(v)} is deprecated in ${this.version}`);
    if (attr.type === 'object') {
      if (!isPlainObject(v)) errors.push(`${path}: not an object`);
      return;
    }
    if (attr.type in this.types) {
      const problem = this.scalarProblem(v, attr.type);
      if (problem) errors.push(`${path}: ${problem}`);
      return;
    }
    const obj = this.object(attr.type);
    if (!obj) errors.push(`${path}: type ${attr.type} is neither a scalar type nor an object in the schema files`);
    else if (!isPlainObject(v)) errors.push(`${path}: not an object (${attr.type})`);
    else this.checkObject(v, obj, path, profiles, errors);
  }

  /** Why v is not of scalar type t (following the type's base type), or undefined. */
  private scalarProblem(v: unknown, t: string): string | undefined {
    const def = this.types[t] ?? {};
    const base = def.type ? this.scalarProblem(v, def.type) : undefined;
    if (base) return `${base} (${t})`;
    const primitive = primitiveProblem(v, t);
    if (primitive) return primitive;
    if (def.values && !def.values.includes(v)) return `${JSON.stringify(v)} is not one of ${JSON.stringify(def.values)}`;
    if (def.range && typeof v === 'number' && (v < def.range[0] || v > def.range[1])) return `${v} is outside ${def.range[0]}..${def.range[1]} (${t})`;
    if (def.max_len !== undefined && typeof v === 'string' && v.length > def.max_len) return `longer than ${def.max_len} (${t})`;
    if (def.regex && typeof v === 'string' && !new RegExp(def.regex).test(v)) return `${JSON.stringify(v)} does not match ${t}`;
    return undefined;
  }

  private eventClass(uid: number): EventClass | undefined {
    const cached = this.classes.get(uid);
    if (cached) return cached;
    for (const [name, file] of this.classFiles) {
      const def = this.read(file) as SchemaFile;
      const categoryName = this.categoryOf(name);
      const category = categoryName ? this.categories[categoryName] : undefined;
      const classUid = category && def.uid !== undefined ? category.uid * 1000 + def.uid : name === 'base_event' ? 0 : undefined;
      if (classUid !== uid) continue;
      const resolved = this.resolve(def, (n) => this.classFile(n));
      const categoryUid = category?.uid ?? 0;
      const categoryCaption = category?.caption ?? 'Uncategorized';
      // As the OCSF server does: a class's class_uid and category_uid enums hold its own values only.
      const attributes = {
        ...resolved.attributes,
        class_uid: { ...resolved.attributes.class_uid!, enum: { [uid]: { caption: def.caption } } },
        category_uid: { ...resolved.attributes.category_uid!, enum: { [categoryUid]: { caption: categoryCaption } } },
      };
      const cls: EventClass = { ...resolved, attributes, uid, categoryUid, categoryCaption };
      this.classes.set(uid, cls);
      return cls;
    }
    return undefined;
  }

  // A class's category is its own or, when it names none, its parent's.
  private categoryOf(name: string): string | undefined {
    const def = this.read(this.classFiles.get(name)!) as SchemaFile;
    if (def.category && def.category !== 'other') return def.category;
    return def.extends ? this.categoryOf(def.extends) : undefined;
  }

  private classFile(name: string): SchemaFile {
    const file = this.classFiles.get(name);
    if (!file) throw new Error(`no event class ${name} in ${this.root}`);
    return this.read(file) as SchemaFile;
  }

  private object(name: string): Resolved | undefined {
    const cached = this.objects.get(name);
    if (cached) return cached;
    let def: SchemaFile;
    try {
      def = this.read(`objects/${name}.json`) as SchemaFile;
    } catch {
      return undefined;
    }
    const resolved = this.resolve(def, (n) => this.read(`objects/${n}.json`) as SchemaFile);
    this.objects.set(name, resolved);
    return resolved;
  }

  private hasProfile(name: string): boolean {
    try {
      return (this.read(`profiles/${name}.json`) as SchemaFile).meta === 'profile';
    } catch {
      return false;
    }
  }

  /** The def's attributes over its ancestors', each over its dictionary entry; $include'd profile attributes carry the profile's name. */
  private resolve(def: SchemaFile, parentOf: (name: string) => SchemaFile): Resolved {
    const own = this.ownAttributes(def);
    const parent = def.extends ? this.resolve(parentOf(def.extends), parentOf) : undefined;
    const merged: Record<string, Json> = {};
    for (const [k, v] of Object.entries(parent?.attributes ?? {})) merged[k] = v as unknown as Json;
    for (const [k, v] of Object.entries(own)) merged[k] = deepMerge(merged[k] ?? deepMerge({}, this.dictionaryEntry(k)), v);
    return {
      name: def.name,
      caption: def.caption,
      attributes: merged as unknown as Record<string, Attribute>,
      constraints: def.constraints ?? parent?.constraints ?? {},
    };
  }

  private dictionaryEntry(name: string): Json {
    const entry = this.dictionary[name];
    if (!entry) throw new Error(`attribute ${name} is not in the dictionary`);
    return entry;
  }

  private ownAttributes(def: SchemaFile): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(def.attributes)) {
      if (k !== '$include') {
        out[k] = deepMerge(out[k] ?? {}, v as Json);
        continue;
      }
      for (const file of v as string[]) {
        const included = this.read(file) as SchemaFile;
        const profile = included.meta === 'profile' ? included.name : undefined;
        for (const [ik, iv] of Object.entries(this.ownAttributes(included))) out[ik] = deepMerge(out[ik] ?? {}, profile ? { ...iv, profile } : iv);
      }
    }
    return out;
  }

  private read(file: string): unknown {
    return JSON.parse(readFileSync(join(this.root, file), 'utf8'));
  }
}

function primitiveProblem(v: unknown, t: string): string | undefined {
  switch (t) {
    case 'string_t':
      return typeof v === 'string' ? undefined : `${JSON.stringify(v)} is not a string`;
    case 'integer_t':
      return Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX ? undefined : `${JSON.stringify(v)} is not a 32-bit integer`;
    case 'long_t':
      return Number.isSafeInteger(v) ? undefined : `${JSON.stringify(v)} is not an integer`;
    case 'float_t':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `${JSON.stringify(v)} is not a number`;
    case 'boolean_t':
      return typeof v === 'boolean' ? undefined : `${JSON.stringify(v)} is not a boolean`;
    case 'ip_t':
      return isIP(v as string) ? undefined : `${JSON.stringify(v)} is not an IP address`;
    default:
      return undefined;
  }
}

function listJson(dir: string, prefix = 'events'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...listJson(join(dir, entry.name), `${prefix}/${entry.name}`));
    else if (entry.name.endsWith('.json')) out.push(`${prefix}/${entry.name}`);
  }
  return out;
}

// Child over parent, recursively for objects (so a class's enum values add to its parent's).
function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Json, v) : v;
  return out;
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
