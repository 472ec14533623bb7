// Pure parsers for /proc/PID/stat and /proc/PID/status text.

export interface StatFields {
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: start time in clock ticks since boot. */
  startTicks: number;
}

/**
 * `pid (comm) state ppid … starttime …`. comm may hold spaces, ')' and newlines, so it
 * ends at the LAST ')'. Returns undefined for truncated or malformed text.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  if (state === undefined || rest.length < 20) return undefined;
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(ppid) || !Number.isInteger(startTicks)) return undefined;
  return { comm: text.slice(open + 1, close), state, ppid, startTicks };
}

/** Real uid from the `Uid:\treal\teffective\tsaved\tfs` line of /proc/PID/status. */
export function parseStatusUid(text: string): number | undefined {
  return statusNumber(text, 'Uid:');
}

/** Parent pid from the `PPid:` line of /proc/PID/status. */
export function parseStatusPpid(text: string): number | undefined {
  return statusNumber(text, 'PPid:');
}

// The first number after `key` at the start of a line (never the first line, which is Name:).
function statusNumber(text: string, key: string): number | undefined {
  const i = text.indexOf(`\n${key}`);
  if (i < 0) return undefined;
  let j = i + 1 + key.length;
  while (text.charCodeAt(j) === 9 || text.charCodeAt(j) === 32) j++;
  let k = j;
  while (k < text.length && text.charCodeAt(k) >= 48 && text.charCodeAt(k) <= 57) k++;
  return k > j ? Number(text.slice(j, k)) : undefined;
}

/** cmdline is NUL-separated with a trailing NUL; a process may rewrite it with spaces instead. */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const body = text.endsWith('\0') ? text.slice(0, -1) : text;
  return body.split('\0');
}

/** Whether readlink of /proc/PID/exe marks the file unlinked. */
export function isDeletedExeLink(link: string): boolean {
  return link.endsWith(' (deleted)');
}

/** readlink of /proc/PID/exe says "PATH (deleted)" once the file is unlinked. */
export function cleanExePath(link: string): string {
  return link.endsWith(' (deleted)') ? link.slice(0, -10) : link;
}
