// One escaper for text that must stay on one line (seed values, table cells): backslash,
// C0/C1 controls, DEL and the Unicode line separators become \\, \n, \r, \t, \xHH, \uHHHH;
// with `quote`, a double quote becomes \" too.
export function escapeText(v: string, quote = false): string {
  let out = '';
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (quote && ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return out;
}
