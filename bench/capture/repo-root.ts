// Finds the repository root from this file's location, both as .ts (tsx) and as compiled dist/ JS.
import fs from 'node:fs';
import path from 'node:path';

export function repoRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'bench', 'capture', 'loadgen.c'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`repository root not found above ${start}`);
  }
}
