// Executable globs of the allow-list: `*` matches any run of characters (slashes too, so
// /opt/*/bin/agent covers every version directory), `?` one character; the rest is literal.
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
