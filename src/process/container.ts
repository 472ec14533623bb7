// Container id from /proc/PID/cgroup text. Runtimes put a 64-hex id in the cgroup path:
//   docker (cgroup v1):   /docker/<id>
//   docker (systemd v2):  /system.slice/docker-<id>.scope
//   containerd / CRI:     /kubepods/.../cri-containerd-<id>.scope, /kubepods/burstable/pod…/<id>
//   CRI-O:                crio-<id>.scope;  podman: libpod-<id>.scope, /libpod_parent/libpod-<id>
// A 64-hex path element, bare or with a runtime prefix; the last one wins (nested containers).
const ID_ELEMENT = /(?:^|\/|docker-|cri-containerd-|crio-|libpod-|containerd-)([0-9a-f]{64})(?:\.scope)?(?=\/|$)/g;

/** The container id of the first cgroup line that names one, else undefined. Pure. */
export function containerIdFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    // hierarchy-id:controllers:path — the path may itself contain ':'.
    const c1 = line.indexOf(':');
    const c2 = c1 < 0 ? -1 : line.indexOf(':', c1 + 1);
    if (c2 < 0) continue;
    const path = line.slice(c2 + 1);
    if (path.length < 65) continue;
    let last: string | undefined;
    for (const m of path.matchAll(ID_ELEMENT)) last = m[1];
    if (last) return last;
  }
  return undefined;
}
