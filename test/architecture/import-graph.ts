// Relative-import graphs of src/: one read from the TypeScript sources (every import, types
// included: the layer rule covers them) and one from the compiled JavaScript (only the
// require() calls that run: a cycle there is a real load-order hazard, while type-only
// imports vanish at compile time).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

// Static imports, re-exports, dynamic import() and require(): every form the sources use.
const SOURCE_IMPORTS: readonly RegExp[] = [/\b(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/g, /\bimport\s+'(\.[^']+)'/g, /\b(?:import|require)\(\s*'(\.[^']+)'\s*\)/g];
const COMPILED_REQUIRES: readonly RegExp[] = [/\brequire\("(\.[^"]+)"\)/g];

function filesEndingWith(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesEndingWith(path, ext));
    else if (entry.name.endsWith(ext) && !entry.name.endsWith(`.d${ext}`)) out.push(path);
  }
  return out;
}

function resolveTarget(fromFile: string, spec: string, ext: string, known: ReadonlySet<string>): string {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}${ext}`, join(base, `index${ext}`), base]) {
    if (known.has(candidate)) return candidate;
  }
  return `${base}${ext}`;
}

// Names every file as its source path relative to the repo (e.g. `src/capture/select.ts`) so
// that both graphs read the same.
function graph(dir: string, ext: string, patterns: readonly RegExp[], keep: (file: string) => boolean): readonly ImportEdge[] {
  const files = filesEndingWith(dir, ext).filter(keep);
  const known = new Set(files);
  const name = (file: string): string => join('src', relative(dir, file)).replace(new RegExp(`\\${ext}$`), '.ts');
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) targets.add(resolveTarget(file, match[1]!, ext, known));
    }
    for (const target of targets) edges.push({ from: name(file), to: name(target) });
  }
  return edges;
}

/** Every relative import in the TypeScript sources under `root/src`. */
export function sourceImportGraph(root: string): readonly ImportEdge[] {
  return graph(resolve(root, 'src'), '.ts', SOURCE_IMPORTS, () => true);
}

/** The require() calls in the compiled `root/dist/src`; throws when it is not built. */
export function compiledImportGraph(root: string): readonly ImportEdge[] {
  const dir = resolve(root, 'dist', 'src');
  if (!existsSync(dir)) throw new Error(`${dir} is missing: build first (npx tsc -p tsconfig.json)`);
  // A build directory keeps the output of sources since moved or deleted: read only the files
  // whose source still exists.
  const hasSource = (file: string): boolean => existsSync(join(root, 'src', relative(dir, file)).replace(/\.js$/, '.ts'));
  return graph(dir, '.js', COMPILED_REQUIRES, hasSource);
}
