// Finds the built BPF object (scripts/build-bpf.sh writes bpf/build/packettrail.bpf.o) from
// this file's place in the tree: src/capture/ebpf under tsx, dist/src/capture/ebpf when built;
// the single executable carries its own copy.
import fs from 'node:fs';
import path from 'node:path';
import { embeddedFilePath } from '../../config/embedded-files';

const BPF_OBJECT_NAME = 'packettrail.bpf.o';

export function defaultBpfObjectPath(): string {
  const carried = embeddedFilePath(BPF_OBJECT_NAME);
  if (carried) return carried;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'bpf', 'build', BPF_OBJECT_NAME);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not built yet: name the place the build script writes to.
  return path.resolve(__dirname, '..', '..', '..', 'bpf', 'build', BPF_OBJECT_NAME);
}
