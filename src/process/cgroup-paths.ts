// The cgroup v2 directory of a kernel cgroup id. The ebpf tier gives every exec its cgroup id
// (the inode number of the cgroup's directory). A short-lived command has usually exited by
// the time its exec is applied (records are drained every 250 ms), and /proc/PID/cgroup with
// it; the cgroup's directory is still there and still names the container. Found by walking
// the hierarchy, again at most once a second for an id not seen: containers start far less
// often than processes, and an id of a cgroup already removed must not cost a walk per exec.
import fs from 'node:fs';

const REWALK_MS = 1000;
/** A bound on one walk (a host has hundreds to a few thousand cgroups). */
const MAX_DIRS = 100_000;

export class CgroupPaths {
  private paths = new Map<string, string>();
  private walkedAt = -Infinity;

  /** `root`: where cgroup v2 is mounted; undefined (none) finds nothing. */
  constructor(
    private readonly root: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cgroup's path as /proc/PID/cgroup shows it (`/system.slice/docker-….scope`), or undefined. */
  pathOf(cgroupId: string): string | undefined {
    const known = this.paths.get(cgroupId);
    if (known !== undefined || this.root === undefined) return known;
    const t = this.now();
    if (t - this.walkedAt < REWALK_MS) return undefined;
    this.walkedAt = t;
    this.paths = walk(this.root);
    return this.paths.get(cgroupId);
  }
}

/** Inode number (decimal, exact) → path below root, for every directory under root. */
function walk(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack = [''];
  while (stack.length > 0 && out.size < MAX_DIRS) {
    const rel = stack.pop()!;
    const dir = root + rel;
    let entries: fs.Dirent[];
    try {
      out.set(String(fs.statSync(dir, { bigint: true }).ino), rel === '' ? '/' : rel);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile
    }
    for (const e of entries) if (e.isDirectory()) stack.push(`${rel}/${e.name}`);
  }
  return out;
}
