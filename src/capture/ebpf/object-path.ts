// Finds a built BPF object (scripts/build-bpf.sh writes bpf/build/NAME.bpf.o) from this file's
// place in the tree: src/capture/ebpf under tsx, dist/src/capture/ebpf when built.
import fs from 'node:fs';
import path from 'node:path';

const BPF_OBJECT_NAME = 'packettrail.bpf.o';

export function defaultBpfObjectPath(objectName: string = BPF_OBJECT_NAME): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'bpf', 'build', objectName);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not built yet: name the place the build script writes to.
  return path.resolve(__dirname, '..', '..', '..', 'bpf', 'build', objectName);
}
