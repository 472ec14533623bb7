// Address blocks as written in config and on the command line: `10.0.0.0/8`, `fd00::/8` or a
// bare address.
import { BlockList, isIP } from 'node:net';

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

/** Whether a textual address lies in the block (false for text that is not an address). */
export function inBlock(block: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return block.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
