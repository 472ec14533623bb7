// Size caps for syslog frames (docs/record.md gives the caps): a record that is too long is
// shortened by truncating its longest values, each with a visible mark, so the frame itself
// is never cut and stays valid for its format. Pure functions; no I/O.

/** One value of a record that a cap may shorten. */
export interface FittableField {
  value: string;
  /** Truncate this one before any other (the command line). */
  first?: boolean;
}

/** The mark that replaces what was cut: `…[truncated N bytes]` (N counts UTF-8 bytes of the value). */
function truncationMark(droppedBytes: number): string {
  return `…[truncated ${droppedBytes} bytes]`;
}

const MIN_KEEP_BYTES = 16;

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** How a format renders one value: whole, and per code point (for measuring prefixes). */
export interface ValueEscaper {
  render(v: string): string;
  /** UTF-8 bytes one code point takes once escaped. */
  charWidth(ch: string): number;
  /** Bytes a truncated value adds around its characters (quotes). */
  quoteBytes: number;
}

/**
 * The longest prefix of `value` (cut on a code point), followed by the mark, whose rendering
 * takes at most `maxBytes` UTF-8 bytes. Returns `value` itself when it already fits.
 */
function truncateValue(value: string, maxBytes: number, esc: ValueEscaper): string {
  if (utf8Length(esc.render(value)) <= maxBytes) return value;
  const total = utf8Length(value);
  const chars = Array.from(value);
  let kept = 0;
  let keptBytes = 0;
  let width = esc.quoteBytes;
  for (; kept < chars.length; kept++) {
    const ch = chars[kept]!;
    const next = width + esc.charWidth(ch);
    const chBytes = utf8Length(ch);
    // The mark's digits depend on how much is dropped: measure it for this prefix.
    if (next + markWidth(total - keptBytes - chBytes, esc) > maxBytes) break;
    width = next;
    keptBytes += chBytes;
  }
  return chars.slice(0, kept).join('') + truncationMark(total - keptBytes);
}

function markWidth(dropped: number, esc: ValueEscaper): number {
  let w = 0;
  for (const ch of truncationMark(dropped)) w += esc.charWidth(ch);
  return w;
}

/**
 * Returns the values shortened until `render(values)` takes at most `maxBytes`: the `first`
 * fields first (when long), then the longest remaining ones. Gives up (returns the best it
 * got) only when every value is already down to a few bytes.
 */
export function fitFields(fields: FittableField[], render: (values: string[]) => string, maxBytes: number, esc: ValueEscaper): string[] {
  const values = fields.map((f) => f.value);
  const done = new Set<number>();
  for (let round = 0; round < fields.length * 2 + 4; round++) {
    const over = utf8Length(render(values)) - maxBytes;
    if (over <= 0) return values;
    const i = pickField(fields, values, done, esc);
    if (i < 0) return values;
    const current = utf8Length(esc.render(values[i]!));
    const floor = MIN_KEEP_BYTES + esc.quoteBytes + markWidth(utf8Length(fields[i]!.value), esc);
    const allowed = Math.max(floor, current - over);
    if (allowed >= current) {
      done.add(i);
      continue;
    }
    values[i] = truncateValue(fields[i]!.value, allowed, esc);
    if (allowed === floor) done.add(i); // cut as far as it may go
  }
  return values;
}

function pickField(fields: FittableField[], values: string[], done: Set<number>, esc: ValueEscaper): number {
  let best = -1;
  let bestLen = -1;
  for (let i = 0; i < fields.length; i++) {
    if (done.has(i)) continue;
    const len = utf8Length(esc.render(values[i]!));
    const rank = len + (fields[i]!.first && len > 64 ? 1e9 : 0);
    if (rank > bestLen) {
      best = i;
      bestLen = rank;
    }
  }
  return best;
}
