// One release build per test run, shared by the release tests (each test file is its own
// process, so they meet on the file system): built on first use into dist/, in a folder named
// by the commit, so a build left by an earlier commit's run is never taken for this one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../helpers/repo';

export interface ReleaseFiles {
  readonly executable: string;
  readonly deb: string;
}

function found(dir: string): ReleaseFiles | null {
  const executable = join(dir, 'packettrail-linux-x64');
  const deb = existsSync(dir) ? readdirSync(dir).find((f) => /^packettrail_.+_amd64\.deb$/.test(f)) : undefined;
  return existsSync(executable) && deb ? { executable, deb: join(dir, deb) } : null;
}

export async function releaseFiles(): Promise<ReleaseFiles> {
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dir = join(repoRoot(), `dist/release-test-${head}`);
  const lock = `${dir}.lock`;
  for (;;) {
    const done = found(dir);
    if (done) return done;
    try {
      mkdirSync(lock, { recursive: false });
      break;
    } catch {
      await sleep(500); // another test file is building
    }
  }
  try {
    const done = found(dir);
    if (done) return done;
    const r = spawnSync(join(repoRoot(), 'node_modules/.bin/tsx'), ['scripts/release/main.ts', '--fast', dir], { cwd: repoRoot(), encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`release build failed (${r.status}): ${r.stderr}`);
    const built = found(dir);
    if (!built) throw new Error(`release build wrote no executable and .deb into ${dir}`);
    return built;
  } finally {
    rmdirSync(lock);
  }
}
