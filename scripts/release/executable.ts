// Builds the single executable: the CLI and the store's writer thread bundled by esbuild, the
// BPF object and the native addons carried as assets with their digests in a manifest, all
// injected into a copy of this Node binary (Node's single executable applications).
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { inject } from 'postject';
import { digestOf, MANIFEST_ASSET } from '../../src/config/sea-assets';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface ExecutableOptions {
  readonly root: string;
  /** The executable's path. */
  readonly output: string;
  /** Where the bundles and the SEA blob are prepared. */
  readonly workDir: string;
  /**
   * V8's compiled code for the bundle, carried too: compiling the 1.5 MB bundle is most of a
   * short command's start-up (docs/install.md has the figures).
   */
  readonly useCodeCache?: boolean;
}

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
}

function buildInfo(root: string): BuildInfo {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  let commit = git(['rev-parse', '--short=12', 'HEAD']);
  if (git(['status', '--porcelain', '--untracked-files=no']) !== '') commit += '-dirty';
  return { version, commit };
}

/** The files carried besides the bundle: asset name -> file in the source tree. */
function carriedFiles(root: string, workDir: string): Record<string, string> {
  return {
    'packettrail.bpf.o': join(root, 'bpf/build/packettrail.bpf.o'),
    'dns.bpf.o': join(root, 'bpf/build/dns.bpf.o'),
    'koffi.node': join(root, `node_modules/@koromix/koffi-${process.platform}-${process.arch}/${process.platform}_${process.arch}/koffi.node`),
    'better_sqlite3.node': join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    'writer-worker.js': join(workDir, 'writer-worker.js'),
  };
}

/**
 * koffi and better-sqlite3 look their addons up in node_modules; in the executable they get
 * the carried, checked copies instead.
 */
function carriedAddons(root: string): Plugin {
  const loader = join(root, 'src/config/embedded-files.ts');
  const platformPackage = `@koromix/koffi-${process.platform}-${process.arch}`;
  return {
    name: 'carried-addons',
    setup(b) {
      // koffi's CommonJS entry: its ES module builds a require() at run time, out of the bundle's reach.
      b.onResolve({ filter: /^koffi$/ }, () => ({ path: join(root, 'node_modules/koffi/index.cjs') }));
      b.onResolve({ filter: /^@koromix\/koffi-|^bindings$/ }, (args) => ({ path: args.path, namespace: 'carried-addon' }));
      b.onLoad({ filter: /.*/, namespace: 'carried-addon' }, (args) => {
        const load = `require(${JSON.stringify(loader)}).loadEmbeddedAddon`;
        if (args.path === 'bindings') return { contents: `module.exports = (name) => ${load}(name);`, resolveDir: root, loader: 'js' };
        if (args.path === platformPackage) return { contents: `module.exports = ${load}('koffi.node');`, resolveDir: root, loader: 'js' };
        return { contents: `throw new Error('not carried: ${args.path}');`, resolveDir: root, loader: 'js' };
      });
    },
  };
}

async function bundle(root: string, entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    // A single executable's main script has no module file of its own: dependencies that ask
    // for one (koffi's createRequire(__filename)) get the executable's.
    banner: { js: "var __filename = process.execPath, __dirname = require('node:path').dirname(__filename);" },
    logLevel: 'error',
    plugins: [carriedAddons(root)],
  });
}

export async function buildExecutable(opts: ExecutableOptions): Promise<BuildInfo> {
  const { root, workDir } = opts;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const info = buildInfo(root);
  await bundle(root, 'src/cli/main.ts', join(workDir, 'packettrail.js'));
  await bundle(root, 'src/sinks/store/writer-worker.ts', join(workDir, 'writer-worker.js'));

  const files = carriedFiles(root, workDir);
  const digests = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, digestOf(readFileSync(file))]));
  const manifest = join(workDir, MANIFEST_ASSET);
  writeFileSync(manifest, `${JSON.stringify({ ...info, assets: digests }, null, 2)}\n`);

  const blob = join(workDir, 'sea-prep.blob');
  const config = join(workDir, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main: join(workDir, 'packettrail.js'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: opts.useCodeCache ?? true,
      assets: { ...files, [MANIFEST_ASSET]: manifest },
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

  mkdirSync(join(opts.output, '..'), { recursive: true });
  rmSync(opts.output, { force: true });
  copyFileSync(process.execPath, opts.output);
  chmodSync(opts.output, 0o755);
  // Node's symbol tables are of no use on a sensor host: 12 MB less to ship and map.
  execFileSync('strip', [opts.output]);
  await inject(opts.output, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  return info;
}
