// The argv of the last few command lines exec'd, by their bytes. An exec storm runs a few
// command lines again and again (a script's loop, a server forking a helper per request):
// comparing the bytes costs less than decoding, splitting and joining them, and the answer is
// the very same array and string each time, which the ECS encoder then copies instead of
// encoding again (see ProgramPart in src/format/ecs-bytes.ts).

export interface Argv {
  /** Shared by every exec of these bytes: never changed. */
  readonly args: readonly string[];
  readonly commandLine: string;
}

/** argv as the kernel keeps it: NUL-separated, usually NUL-terminated (invalid UTF-8 becomes U+FFFD). */
export function splitArgs(bytes: Uint8Array, utf8: { decode(bytes: Uint8Array): string } = new TextDecoder('utf-8', { fatal: false })): string[] {
  if (bytes.length === 0) return [];
  const parts = utf8.decode(bytes).split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export class ArgvCache {
  private readonly keys: Uint8Array[] = [];
  private readonly values: Argv[] = [];
  private next = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly slots = 4) {}

  /** The argv in buf[at, at+len). */
  get(buf: Uint8Array, at: number, len: number): Argv {
    const keys = this.keys;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s]!;
      if (key.length !== len) continue;
      let i = 0;
      while (i < len && buf[at + i] === key[i]) i++;
      if (i === len) return this.values[s]!;
    }
    const args = splitArgs(buf.subarray(at, at + len), this.utf8);
    const argv: Argv = { args, commandLine: args.join(' ') };
    const slot = this.next;
    this.next = (slot + 1) % this.slots;
    keys[slot] = buf.slice(at, at + len);
    this.values[slot] = argv;
    return argv;
  }
}
