// No import cycles in src/: layers point one way. The graph is read from the TypeScript sources,
// type-only imports included (two modules that import each other's types are a cycle of design
// even though the compiler erases the imports), and each cycle is named file by file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

const srcDir = path.join(repoRoot, 'src');

/** Relative module specifiers of one source: import/export ... from, side-effect imports, require(), import(). */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  const found = patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]));
  return [...new Set(found.filter((s) => s.startsWith('.')))];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

/** file -> the files it imports, names relative to `root`. */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const deps = specifiers(fs.readFileSync(file, 'utf8')).map((s) => resolve(file, s)).filter((f): f is string => f !== null);
    graph.set(path.relative(root, file), deps.map((f) => path.relative(root, f)));
  }
  return graph;
}

/** One cycle per strongly connected component (Tarjan), each as a -> b -> ... -> a from its first file, sorted. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(comp);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((comp) => shortestCycle(graph, new Set(comp), [...comp].sort()[0])).sort((a, b) => a[0].localeCompare(b[0]));
}

/** The shortest path start -> ... -> start inside one component (breadth first). */
function shortestCycle(graph: Map<string, string[]>, comp: Set<string>, start: string): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = parent.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!parent.has(w)) { parent.set(w, v); queue.push(w); }
    }
  }
  return [start, start];
}

test('the import parser sees every form of import, type-only and multi-line included', () => {
  const source = [
    "import type { A } from './a';",
    "import {\n  B,\n  type C,\n} from '../b';",
    "export * from './c';",
    "export { D } from './d';",
    "import './e';",
    "const f = require('./f');",
    "import * as path from 'node:path';",
  ].join('\n');
  assert.deepEqual(specifiers(source).sort(), ['../b', './a', './c', './d', './e', './f']);
});

test('the cycle finder names a planted cycle and passes a graph without one', () => {
  const planted = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts', 'd.ts']], ['d.ts', []], ['e.ts', ['e.ts']]]);
  assert.deepEqual(findCycles(planted), [['a.ts', 'b.ts', 'c.ts', 'a.ts'], ['e.ts', 'e.ts']]);
  assert.deepEqual(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', []]])), []);
});

const cycles = findCycles(importGraph(srcDir)).map((c) => c.join(' -> '));

test('src/ has no import cycles', () => {
  assert.ok(importGraph(srcDir).size > 50, 'the graph of src/ was read');
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

/**
 * The layers of docs/ARCHITECTURE.md, lowest first: a file imports only from its own layer and
 * the layers before it (src/index.ts, the package's entry, may import any).
 */
const LAYERS = ['core', 'losses', 'data', 'attention', 'optim', 'nn', 'convex', 'experiments', 'report', 'cli'];

/** The imports that point up the layer list, as "from -> to". */
function upwardImports(graph: Map<string, string[]>): string[] {
  const layer = (f: string) => LAYERS.indexOf(f.split(path.sep)[0]);
  const bad: string[] = [];
  for (const [from, deps] of graph) {
    if (!from.includes(path.sep)) continue;
    for (const to of deps) if (layer(to) > layer(from)) bad.push(`${from} -> ${to}`);
  }
  return bad.sort();
}

test('every directory of src/ is a layer, and imports point down the layers only', () => {
  const dirs = fs.readdirSync(srcDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(dirs, [...LAYERS].sort(), 'a new directory of src/ needs its place in LAYERS and in docs/ARCHITECTURE.md');
  assert.deepEqual(upwardImports(importGraph(srcDir)), []);
});

test('the layer check names an import that points up', () => {
  const planted = new Map([[path.join('core', 'a.ts'), [path.join('nn', 'b.ts')]], [path.join('nn', 'b.ts'), [path.join('core', 'a.ts')]]]);
  assert.deepEqual(upwardImports(planted), [`${path.join('core', 'a.ts')} -> ${path.join('nn', 'b.ts')}`]);
});
