// A small Sigma rule evaluator for the format tests: enough of the Sigma specification to run
// rules written like the public network_connection ones against flat records.
//
// Detection: each named search is a map (every field must match) or a list of maps (any
// may). A field's value list matches if any value does (all, with the `all` modifier).
// Modifiers: endswith, startswith, contains, cidr, all; `null` matches an absent field.
// Strings compare case-insensitively, as Sigma does; numbers compare as their text.
// Condition: and, or, not, parentheses, `1 of name*`, `all of name*`, `1 of them`.
import { BlockList, isIP } from 'node:net';
import YAML from 'yaml';

export type FlatRecord = Readonly<Record<string, string | number>>;
type Search = Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[];

export interface SigmaRule {
  readonly title: string;
  readonly logsource: Readonly<Record<string, string>>;
  readonly detection: Readonly<Record<string, unknown>> & { readonly condition: string };
}

export function parseRule(yamlText: string): SigmaRule {
  const rule = YAML.parse(yamlText) as SigmaRule;
  if (typeof rule?.detection?.condition !== 'string') throw new Error(`rule ${rule?.title ?? '?'} has no condition`);
  return rule;
}

/** Whether `rule` fires on `record`. */
export function ruleMatches(rule: SigmaRule, record: FlatRecord): boolean {
  const searches = new Map<string, Search>();
  for (const [name, value] of Object.entries(rule.detection)) if (name !== 'condition') searches.set(name, value as Search);
  const tokens = rule.detection.condition.match(/\(|\)|[^\s()]+/g) ?? [];
  return new ConditionParser(tokens, (name) => searchMatches(searchNamed(searches, name), record), [...searches.keys()]).parse();
}

function searchNamed(searches: ReadonlyMap<string, Search>, name: string): Search {
  const s = searches.get(name);
  if (s === undefined) throw new Error(`condition names unknown search ${name}`);
  return s;
}

function searchMatches(search: Search, record: FlatRecord): boolean {
  const maps = Array.isArray(search) ? search : [search];
  return maps.some((m) => Object.entries(m).every(([key, want]) => fieldMatches(key, want, record)));
}

function fieldMatches(key: string, want: unknown, record: FlatRecord): boolean {
  const [field, ...mods] = key.split('|') as [string, ...string[]];
  const have = record[field];
  const wants = Array.isArray(want) ? (want as unknown[]) : [want];
  const one = (w: unknown): boolean => {
    if (w === null) return have === undefined;
    if (have === undefined) return false;
    return valueMatches(String(have), String(w), mods);
  };
  return mods.includes('all') ? wants.every(one) : wants.some(one);
}

function valueMatches(have: string, want: string, mods: readonly string[]): boolean {
  if (mods.includes('cidr')) return inCidr(have, want);
  const h = have.toLowerCase();
  const w = want.toLowerCase();
  if (mods.includes('endswith')) return h.endsWith(w);
  if (mods.includes('startswith')) return h.startsWith(w);
  if (mods.includes('contains')) return h.includes(w);
  return h === w;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const netFamily = isIP(net) === 6 ? 'ipv6' : 'ipv4';
  const ipFamily = isIP(ip);
  if (ipFamily === 0 || (ipFamily === 6) !== (netFamily === 'ipv6')) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits), netFamily);
  return list.check(ip, netFamily);
}

// Recursive descent, lowest precedence first: or, and, not, then a term.
class ConditionParser {
  private at = 0;

  constructor(
    private readonly tokens: readonly string[],
    private readonly search: (name: string) => boolean,
    private readonly names: readonly string[],
  ) {}

  parse(): boolean {
    const v = this.or();
    if (this.at !== this.tokens.length) throw new Error(`unexpected ${this.tokens[this.at]} in condition`);
    return v;
  }

  private or(): boolean {
    let v = this.and();
    while (this.peek() === 'or') {
      this.at++;
      const rhs = this.and();
      v = v || rhs;
    }
    return v;
  }

  private and(): boolean {
    let v = this.not();
    while (this.peek() === 'and') {
      this.at++;
      const rhs = this.not();
      v = v && rhs;
    }
    return v;
  }

  private not(): boolean {
    if (this.peek() === 'not') {
      this.at++;
      return !this.not();
    }
    return this.term();
  }

  private term(): boolean {
    const t = this.next();
    if (t === '(') {
      const v = this.or();
      if (this.next() !== ')') throw new Error('unbalanced parentheses in condition');
      return v;
    }
    if (t === '1' || t === 'all') {
      if (this.next() !== 'of') throw new Error(`expected "of" after ${t}`);
      const pattern = this.next();
      const names = pattern === 'them' ? this.names : this.names.filter((n) => globMatches(pattern, n));
      if (names.length === 0) throw new Error(`no search matches ${pattern}`);
      return t === '1' ? names.some(this.search) : names.every(this.search);
    }
    return this.search(t);
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private next(): string {
    const t = this.tokens[this.at++];
    if (t === undefined) throw new Error('condition ends early');
    return t;
  }
}

function globMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}
