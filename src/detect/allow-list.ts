// The allow-list: connections that raise no alert however they look (a backup agent's
// nightly upload, a monitoring poller). A rule matches when every field it names matches;
// the list matches when any rule does.
import { BlockList, isIP } from 'node:net';
import type { AllowRule } from './options';
import { globToRegExp } from './glob';

interface CompiledRule {
  readonly block?: BlockList;
  readonly port?: number;
  readonly exe?: RegExp;
}

/** `10.0.0.0/8`, `fd00::/8` or a bare address, as a BlockList; undefined when malformed. */
export function parseCidr(text: string): BlockList | undefined {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return undefined;
  const maxPrefix = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(maxPrefix) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > maxPrefix) return undefined;
  const block = new BlockList();
  block.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return block;
}

export class AllowList {
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly AllowRule[]) {
    this.rules = rules.map((r) => {
      const block = r.cidr === undefined ? undefined : parseCidr(r.cidr);
      if (r.cidr !== undefined && !block) throw new RangeError(`allow-list cidr ${JSON.stringify(r.cidr)} is not an address block`);
      return { block, port: r.port, exe: r.exe === undefined ? undefined : globToRegExp(r.exe) };
    });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  allows(ip: string, port: number, exe: string): boolean {
    for (const r of this.rules) {
      if (r.port !== undefined && r.port !== port) continue;
      if (r.exe && !r.exe.test(exe)) continue;
      if (r.block && !inBlock(r.block, ip)) continue;
      return true;
    }
    return false;
  }
}

function inBlock(block: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return block.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
