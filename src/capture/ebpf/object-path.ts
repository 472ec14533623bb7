// Finds a built BPF object (scripts/build-bpf.sh writes bpf/build/NAME.bpf.o) from this file's
// place in the tree: src/capture/ebpf under tsx, dist/src/capture/ebpf when built; the single
// executable carries its own copies.
import fs from 'node:fs';
import path from 'node:path';
import { embeddedFilePath } from '../../config/embedded-files';

const BPF_OBJECT_NAME = 'packettrail.bpf.o';

export function defaultBpfObjectPath(objectName: string = BPF_OBJECT_NAME): string {
  const carried = embeddedFilePath(objectName);
  if (carried) return carried;
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
