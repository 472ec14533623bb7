// The relative-import graph of the TypeScript sources under src/, read from the files as text.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

// Static imports, re-exports, dynamic import() and require(): every form the sources use.
const IMPORT_PATTERNS: readonly RegExp[] = [
  /\b(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/g,
  /\bimport\s+'(\.[^']+)'/g,
  /\b(?:import|require)\(\s*'(\.[^']+)'\s*\)/g,
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveTarget(fromFile: string, spec: string, known: ReadonlySet<string>): string {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (known.has(candidate)) return candidate;
  }
  return `${base}.ts`;
}

/** Edges between files, as paths relative to `root` (e.g. `src/capture/select.ts`). */
export function importGraph(root: string, srcDir = 'src'): readonly ImportEdge[] {
  const files = sourceFiles(join(root, srcDir));
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const pattern of IMPORT_PATTERNS) {
      for (const match of text.matchAll(pattern)) targets.add(resolveTarget(file, match[1]!, known));
    }
    for (const target of targets) edges.push({ from: relative(root, file), to: relative(root, target) });
  }
  return edges;
}
