// Holds the layering of src/: imports point down the order core < config < process <
// {capture, detect, format} < sinks < pipeline < cli, sibling stages never import each other,
// and no require cycle exists in the compiled code (type-only imports are compiled away, so
// they count for the order but cannot form a load-order cycle). A failure lists the
// offending edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo';
import { compiledImportGraph, sourceImportGraph } from './import-graph';
import { describeEdge, importCycles, layerViolations } from './layers';

const edges = sourceImportGraph(repoRoot());
const runtimeEdges = compiledImportGraph(repoRoot());

test('the import graphs are read from the sources and the build', () => {
  // Guards the checks below against passing on an empty graph.
  assert.ok(edges.length > 100, `only ${edges.length} source import edges found`);
  assert.ok(runtimeEdges.length > 100, `only ${runtimeEdges.length} compiled require edges found`);
  assert.ok(edges.some((e) => e.from === 'src/cli/main.ts'));
  assert.ok(runtimeEdges.some((e) => e.from === 'src/cli/main.ts'));
  // Every compiled require has its import in the sources, and every import names a real file:
  // otherwise the source reader has missed or misread a form of import.
  const sourceKeys = new Set(edges.map(describeEdge));
  assert.deepEqual(
    runtimeEdges.map(describeEdge).filter((k) => !sourceKeys.has(k)),
    [],
  );
  assert.deepEqual(edges.filter((e) => !existsSync(join(repoRoot(), e.to))).map(describeEdge), []);
});

test('every import points down the layer order and no stage imports another', () => {
  const bad = layerViolations(edges).map(describeEdge);
  assert.deepEqual(bad, [], `imports that break the layer order:\n  ${bad.join('\n  ')}`);
});

test('no require cycle in the compiled code', () => {
  const cycles = importCycles(runtimeEdges).map((c) => c.join(' -> '));
  assert.deepEqual(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}`);
});

test('the checks catch an upward edge, a stage-to-stage edge and a cycle', () => {
  const planted = [
    { from: 'src/core/a.ts', to: 'src/cli/b.ts' },
    { from: 'src/capture/c.ts', to: 'src/format/d.ts' },
    { from: 'src/sinks/e.ts', to: 'src/format/f.ts' },
    { from: 'src/process/x.ts', to: 'src/process/y.ts' },
    { from: 'src/process/y.ts', to: 'src/process/z.ts' },
    { from: 'src/process/z.ts', to: 'src/process/x.ts' },
  ];
  assert.deepEqual(layerViolations(planted).map(describeEdge), ['src/core/a.ts -> src/cli/b.ts', 'src/capture/c.ts -> src/format/d.ts']);
  assert.deepEqual(importCycles(planted), [['src/process/x.ts', 'src/process/y.ts', 'src/process/z.ts', 'src/process/x.ts']]);
});
