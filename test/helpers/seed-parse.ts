// Parses a seed syslog line back into its header and key=value pairs, undoing the escapes,
// so tests can check every field (and that no value forged a key).
export interface SeedRecord {
  pri: string;
  time: string;
  hostIp: string;
  hostName: string;
  tag: string;
  pairs: Array<[string, string]>;
  fields: Record<string, string>;
}

export function parseSeedLine(line: string): SeedRecord {
  const m = /^<(\d+)>(\S+) (\S+) (\S+) (\S+) (.*)$/s.exec(line);
  if (!m) throw new Error(`not a seed line: ${JSON.stringify(line)}`);
  const pairs: Array<[string, string]> = [];
  const body = m[6]!;
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) throw new Error(`dangling text at ${i}: ${JSON.stringify(body.slice(i))}`);
    const key = body.slice(i, eq);
    if (!/^[a-z][a-z0-9]*$/.test(key)) throw new Error(`bad key ${JSON.stringify(key)}`);
    i = eq + 1;
    let value = '';
    if (body[i] === '"') {
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') {
          const e = body[i + 1];
          if (e === 'n') value += '\n';
          else if (e === 'r') value += '\r';
          else if (e === 't') value += '\t';
          else if (e === 'x') {
            value += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16));
            i += 2;
          } else if (e === 'u') {
            value += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
            i += 4;
          } else value += e;
          i += 2;
        } else value += body[i++];
      }
      if (body[i] !== '"') throw new Error('unterminated quote');
      i++;
    } else {
      const sp = body.indexOf(' ', i);
      value = body.slice(i, sp < 0 ? body.length : sp);
      i = sp < 0 ? body.length : sp;
    }
    pairs.push([key, value]);
    if (body[i] === ' ') i++;
  }
  return { pri: m[1]!, time: m[2]!, hostIp: m[3]!, hostName: m[4]!, tag: m[5]!, pairs, fields: Object.fromEntries(pairs) };
}
