// Compiles bench/capture/loadgen.c with gcc -O2 into bench/capture/build/ (skipped when up to date).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo-root';

function loadgenSourcePath(root: string = repoRoot()): string {
  return path.join(root, 'bench', 'capture', 'loadgen.c');
}

/** Returns the absolute path of the built binary; throws with gcc's output when the build fails. */
export function buildLoadgen(outDir: string = path.join(repoRoot(), 'bench', 'capture', 'build')): string {
  const src = loadgenSourcePath();
  const bin = path.join(outDir, 'loadgen');
  fs.mkdirSync(outDir, { recursive: true });
  const fresh = fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(src).mtimeMs;
  if (!fresh) {
    // Build to a temp name and rename, so a concurrent reader never sees a half-written binary.
    const tmp = `${bin}.${process.pid}.tmp`;
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-pthread', '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
      fs.renameSync(tmp, bin);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return fs.realpathSync(bin);
}
