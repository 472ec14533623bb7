// Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on unified systems,
// /sys/fs/cgroup/unified on hybrid ones. The cgroup sock_addr hooks attach to its root.
import fs from 'node:fs';

/** Parses /proc/mounts text; the first cgroup2 mount point, or undefined. */
export function findCgroup2Mount(procMounts: string): string | undefined {
  for (const line of procMounts.split('\n')) {
    const [, mountPoint, fsType] = line.split(' ');
    if (mountPoint !== undefined && fsType === 'cgroup2') return unescapeMountPath(mountPoint);
  }
  return undefined;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function cgroup2Root(): string | undefined {
  try {
    return findCgroup2Mount(fs.readFileSync('/proc/mounts', 'utf8'));
  } catch {
    return undefined;
  }
}
