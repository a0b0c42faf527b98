// The layers of the code (docs/architecture.md): each source folder imports only from the
// folders below it, and no module imports itself back through others. The import graph is
// read from the TypeScript sources with the compiler's parser (imports, re-exports, dynamic
// imports), so the check sees what tsc sees; eslint.config.js keeps the same rules while editing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** folder → the folders it may import from (besides itself); `types` ones only with `import type` */
const LAYERS: Record<string, { values: string[]; types?: string[] }> = {
  core: { values: [] },
  workflows: { values: ['core'] },
  store: { values: ['core'], types: ['workflows'] },
  activities: { values: ['store', 'core'], types: ['workflows'] },
  client: { values: ['store', 'core', 'workflows'] },
  workers: { values: ['activities', 'client', 'store', 'core', 'workflows'] },
};

interface Edge { from: string; to: string; typeOnly: boolean }

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of one file, resolved to repository paths (".js" → ".ts"). */
function importsOf(file: string): Edge[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const from = relative(root, file).split(sep).join('/');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    const to = relative(root, resolve(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts');
    edges.push({ from, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

const files = Object.keys(LAYERS).flatMap((folder) => sources(join(root, folder)));
const edges = files.flatMap(importsOf);
const top = (path: string) => path.split('/')[0];

test('the import graph was read (sanity check of the parser)', () => {
  assert.ok(files.length > 100, `${files.length} source files`);
  assert.ok(edges.some((e) => e.from === 'workers/cli.ts' && e.to === 'workers/usage-error.ts'));
  assert.ok(edges.some((e) => e.from === 'store/plans.ts' && e.to === 'workflows/types.ts' && e.typeOnly));
});

test('every relative import names a file that exists', () => {
  const known = new Set(files.map((f) => relative(root, f).split(sep).join('/')));
  const missing = edges.filter((e) => Object.hasOwn(LAYERS, top(e.to)) && !known.has(e.to));
  assert.deepEqual(missing, []);
});

test('no folder imports from a layer above it', () => {
  const upward: string[] = [];
  for (const e of edges) {
    const a = top(e.from), b = top(e.to);
    if (a === b) continue;
    const rule = LAYERS[a];
    const ok = rule.values.includes(b) || (e.typeOnly && (rule.types ?? []).includes(b));
    if (!ok) upward.push(`${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);
  }
  assert.deepEqual(upward, [], 'imports against docs/architecture.md\'s layers');
});

test('no import cycle, type-only imports included', () => {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
  }
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) { connect(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) connect(v);
  assert.deepEqual(cycles, []);
});

/** Library imports some folders must keep to (type-only imports aside). */
const LIBRARIES: Record<string, { allowed: (spec: string) => boolean; why: string }> = {
  workflows: { allowed: (spec) => spec === '@temporalio/workflow', why: 'the workflow bundle is replayed: only @temporalio/workflow' },
  store: { allowed: (spec) => !spec.startsWith('@temporalio/'), why: 'the data layer serves the client too: no Temporal runtime' },
};

for (const [folder, rule] of Object.entries(LIBRARIES)) {
  test(`library imports of ${folder}/: ${rule.why}`, () => {
    const bad: string[] = [];
    for (const file of sources(join(root, folder))) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      for (const st of sf.statements) {
        if (!(ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
        const spec = st.moduleSpecifier.text;
        const typeOnly = ts.isImportDeclaration(st) ? !!st.importClause?.isTypeOnly : st.isTypeOnly;
        if (!spec.startsWith('.') && !typeOnly && !rule.allowed(spec)) bad.push(`${relative(root, file)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });
}
