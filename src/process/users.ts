// uid → user name from /etc/passwd. Cached; a miss re-reads the file at most every few
// seconds, because users get added while the sensor runs.
import fs from 'node:fs';

export interface UserNamesOptions {
  passwdPath?: string;
  /** Minimum time between re-reads caused by a miss. */
  rereadMs?: number;
  nowMs?: () => number;
}

/** Parses passwd text (name:x:uid:…) into uid → first name seen. Pure. */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const c1 = text.indexOf(':', start);
    if (c1 > start && c1 < end) {
      const c2 = text.indexOf(':', c1 + 1);
      const c3 = c2 < 0 ? -1 : text.indexOf(':', c2 + 1);
      if (c3 > c2 + 1 && c3 < end) {
        const uid = Number(text.slice(c2 + 1, c3));
        if (Number.isInteger(uid) && uid >= 0 && !out.has(uid)) out.set(uid, text.slice(start, c1));
      }
    }
    start = end + 1;
  }
  return out;
}

export class UserNames {
  private readonly path: string;
  private readonly rereadMs: number;
  private readonly now: () => number;
  private names = new Map<number, string>();
  private lastReadMs = -Infinity;

  constructor(opts: UserNamesOptions = {}) {
    this.path = opts.passwdPath ?? '/etc/passwd';
    this.rereadMs = opts.rereadMs ?? 5000;
    this.now = opts.nowMs ?? Date.now;
    this.reload();
  }

  /** The user name for a uid, or undefined (numeric-only users, e.g. in containers). */
  name(uid: number): string | undefined {
    const hit = this.names.get(uid);
    if (hit !== undefined) return hit;
    if (this.now() - this.lastReadMs >= this.rereadMs) {
      this.reload();
      return this.names.get(uid);
    }
    return undefined;
  }

  private reload(): void {
    this.lastReadMs = this.now();
    try {
      this.names = parsePasswd(fs.readFileSync(this.path, 'utf8'));
    } catch {
      // No passwd (minimal containers): keep what we had; callers fall back to the uid.
    }
  }
}
