// The layer order of src/ and the checks that hold it: imports point down, stages stay apart,
// and no import cycle exists.
import type { ImportEdge } from './import-graph';

/** Bottom to top. Layers with the same rank are sibling stages and must not import each other. */
const LAYER_RANK: Readonly<Record<string, number>> = {
  core: 0,
  config: 1,
  process: 2,
  capture: 3,
  detect: 3,
  format: 3,
  sinks: 4,
  pipeline: 5,
  cli: 6,
};

/** The top-level folder under src/ that a path belongs to. */
function layerOf(path: string): string {
  return path.split('/')[1] ?? '';
}

export function describeEdge(e: ImportEdge): string {
  return `${e.from} -> ${e.to}`;
}

/** Edges that go up the order, sideways between sibling stages, or into an unknown layer. */
export function layerViolations(edges: readonly ImportEdge[]): readonly ImportEdge[] {
  return edges.filter((e) => {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (from === to) return false;
    const fromRank = LAYER_RANK[from];
    const toRank = LAYER_RANK[to];
    if (fromRank === undefined || toRank === undefined) return true;
    return toRank >= fromRank;
  });
}

/** Each cycle once, as the list of files around it (first file repeated at the end). */
export function importCycles(edges: readonly ImportEdge[]): readonly (readonly string[])[] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  // Tarjan's strongly connected components: every component of more than one file, or a file
  // that imports itself, holds a cycle; one cycle per component is enough to point at it.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => cycleWithin(new Set(component), next));
}

// A path from the component's first file back to itself, staying inside the component.
function cycleWithin(members: ReadonlySet<string>, next: ReadonlyMap<string, string[]>): string[] {
  const start = [...members].sort()[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path: string[] = [];
        for (let u = v; u !== start; u = parent.get(u)!) path.unshift(u);
        return [start, ...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
