// npm run release: writes release/packettrail-linux-x64 and release/packettrail_VERSION_amd64.deb
// (or into the directory given as an argument; --fast: a quickly compressed package, for the tests).
import { join, resolve } from 'node:path';
import { buildDeb } from './deb';
import { buildExecutable } from './executable';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const args = process.argv.slice(2);
  const fast = args.includes('--fast');
  const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'release'));
  const executable = join(outDir, 'packettrail-linux-x64');
  const started = Date.now();
  const workDir = join(outDir, 'build');
  const info = await buildExecutable({ root, output: executable, workDir });
  const deb = buildDeb(executable, info, workDir, fast ? 'fast' : 'xz');
  process.stdout.write(`${executable}\n${deb}\n${info.version} ${info.commit} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`release: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
