// The allow-list: connections that raise no alert however they look (a backup agent's
// nightly upload, a monitoring poller). A rule matches when every field it names matches;
// the list matches when any rule does.
import type { BlockList } from 'node:net';
import { inBlock, parseCidr } from '../core/cidr';
import type { AllowRule } from './options';
import { globToRegExp } from './glob';

interface CompiledRule {
  readonly block?: BlockList | undefined;
  readonly port?: number | undefined;
  readonly exe?: RegExp | undefined;
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
