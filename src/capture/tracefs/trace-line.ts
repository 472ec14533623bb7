// Parses the header of one trace_pipe line (with options/record-tgid on):
//   `<comm>-<tid> (<tgid>) [<cpu>] <flags> <secs>.<usecs>: <event>: <body>`
// comm is the kernel's saved-cmdline guess at print time (may contain spaces and dashes, or be
// "<...>"), so only tid/tgid/cpu/flags/timestamp are trusted from it. Pure; never throws.

export interface TraceLine {
  comm: string;
  /** The task that was on the CPU: the header's pid is the thread id. */
  tid: number;
  /** Thread-group id (the process), or undefined when the kernel printed dashes. */
  tgid: number | undefined;
  cpu: number;
  flags: string;
  /** True when the event fired in hard/soft interrupt or NMI context: the task is a bystander. */
  interrupt: boolean;
  /** Trace clock time in microseconds (trace_clock=mono: CLOCK_MONOTONIC). */
  tsUs: number;
  event: string;
  body: string;
}

/**
 * Stable names for why a line did not decode, counted by name in the stats record:
 * `line_too_long` and `bad_header` here; `unexpected_event` (an event we did not enable) and
 * `bad_body` (the event's fields are not what we know) from decode.ts.
 */
export type TraceDecodeErrorKind = 'line_too_long' | 'bad_header' | 'unexpected_event' | 'bad_body';

export type Parsed<T> = { ok: true; value: T } | { ok: false; kind: TraceDecodeErrorKind; error: string };

// Lazy comm: the first position where the whole fixed-shape tail matches. A comm (15 bytes)
// is too short to hold a forged tail, while the body (an exec filename) could hold one, so
// the earliest match is the real header.
const HEADER = /^\s*(.*?)-(\d+)\s+\(\s*(\d+|-+)\)\s+\[(\d+)\]\s+(\S+)\s+(\d+)\.(\d{6}):\s+([A-Za-z0-9_]+):\s?(.*)$/s;

export function parseTraceLine(line: string): Parsed<TraceLine> {
  if (line.length > 65536) return { ok: false, kind: 'line_too_long', error: 'line too long' };
  const m = HEADER.exec(line);
  if (!m) return { ok: false, kind: 'bad_header', error: 'not a trace event line' };
  const flags = m[5]!;
  // Third flags column: '.' task context; s softirq; h/H hardirq; z/Z NMI.
  const ctx = flags.length >= 3 ? flags[2]! : '?';
  return {
    ok: true,
    value: {
      comm: m[1]!,
      tid: Number(m[2]),
      tgid: m[3]!.startsWith('-') ? undefined : Number(m[3]),
      cpu: Number(m[4]),
      flags,
      interrupt: ctx !== '.',
      tsUs: Number(m[6]) * 1_000_000 + Number(m[7]),
      event: m[8]!,
      body: m[9]!,
    },
  };
}
