// Paths that hold whether a test runs from test/ (tsx) or from dist/test/ (built).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repo root not found');
    dir = up;
  }
  return dir;
}

/** The built CLI that end-to-end tests drive. */
export function cliPath(): string {
  return join(repoRoot(), 'dist/src/cli/main.js');
}
