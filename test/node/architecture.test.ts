// The layers as rules on imports (docs/architecture.md): each rule names the
// files it governs and what they may not import, and a run-time import cycle
// anywhere in src/ or server/ fails too. Type-only imports cost nothing at run
// time and cannot form a cycle, so the cycle check leaves them out; the layer
// rules count them, since a type from a higher layer is a dependency all the same.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Import {
  /** The importing file, relative to the root. */
  from: string;
  /** The specifier as written. */
  spec: string;
  /** The imported file relative to the root, for relative specifiers that resolve. */
  to?: string;
  /** Nothing of it is needed at run time (`import type`, or only `type` names). */
  typeOnly: boolean;
}

const STATEMENT = /(?:^|[;\n])\s*(import|export)(\s+type)?\s*([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The imports of one TypeScript source, comments left out. */
export function importsOf(file: string, source: string): Import[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
  const found: Import[] = [];
  for (const m of code.matchAll(STATEMENT)) {
    const spec = m[4] ?? m[5] ?? m[6];
    const names = m[3] ?? '';
    const braces = /^\{([\s\S]*)\}$/.exec(names.trim());
    const onlyTypes = braces !== null && braces[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    found.push({ from: file, spec, to: resolveSpec(file, spec), typeOnly: m[2] !== undefined || onlyTypes });
  }
  return found;
}

function resolveSpec(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(ROOT, dirname(file), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return undefined;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(resolve(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...sources(path));
    } else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

export interface Rule {
  name: string;
  /** Files the rule governs (root-relative path prefix). */
  files: string;
  /** Why an import is forbidden, or undefined when it is allowed. */
  forbids(i: Import): string | undefined;
}

const under = (path: string | undefined, prefix: string) => path !== undefined && path.startsWith(prefix);
const OUR_FOLDERS = ['src/', 'server/'];
const ADAPTERS = ['src/transport/partysocket.ts', 'src/transport/memory.ts', 'src/transport/memory-backend.ts', 'src/transport/memory-pipe.ts'];
const NODE_OR_DRIVER = /^(?:node:|ws$|libsql|jose$|partyserver|partysocket|cloudflare:|better-sqlite3)/;
const NODE_BUILTINS = new Set(['fs', 'path', 'http', 'https', 'net', 'os', 'crypto', 'stream', 'child_process', 'url', 'util', 'events', 'zlib', 'buffer']);

export const RULES: Rule[] = [
  {
    name: 'protocol imports nothing of ours',
    files: 'src/protocol/',
    forbids: (i) => (i.to && !under(i.to, 'src/protocol/') ? `imports ${i.to}` : undefined),
  },
  {
    name: 'the core imports only the protocol, and no Node module or storage driver',
    files: 'src/core/',
    forbids: (i) => {
      if (NODE_OR_DRIVER.test(i.spec) || NODE_BUILTINS.has(i.spec)) return `imports ${i.spec}`;
      if (i.to && !under(i.to, 'src/core/') && !under(i.to, 'src/protocol/')) return `imports ${i.to}`;
      return undefined;
    },
  },
  {
    name: 'transport never imports state or elements',
    files: 'src/transport/',
    forbids: (i) => (under(i.to, 'src/state/') || under(i.to, 'src/elements/') ? `imports ${i.to}` : undefined),
  },
  {
    name: 'state never imports elements',
    files: 'src/state/',
    forbids: (i) => (under(i.to, 'src/elements/') ? `imports ${i.to}` : undefined),
  },
  {
    name: 'elements never import a transport adapter or the core',
    files: 'src/elements/',
    forbids: (i) => (ADAPTERS.includes(i.to ?? '') || under(i.to, 'src/core/') || /^partysocket/.test(i.spec) ? `imports ${i.to ?? i.spec}` : undefined),
  },
  {
    name: 'nothing under src/ imports server/',
    files: 'src/',
    forbids: (i) => (under(i.to, 'server/') ? `imports ${i.to}` : undefined),
  },
  {
    name: 'the Node host does not import the Cloudflare host',
    files: 'server/node/',
    forbids: (i) => (under(i.to, 'server/cloudflare/') ? `imports ${i.to}` : undefined),
  },
  {
    name: 'the Cloudflare host does not import the Node host',
    files: 'server/cloudflare/',
    forbids: (i) => (under(i.to, 'server/node/') || /^(?:node:|ws$|libsql)/.test(i.spec) ? `imports ${i.to ?? i.spec}` : undefined),
  },
  {
    name: 'what both hosts share imports neither host',
    files: 'server/shared/',
    forbids: (i) => (under(i.to, 'server/node/') || under(i.to, 'server/cloudflare/') ? `imports ${i.to}` : undefined),
  },
];

/** Every rule broken by `imports`, as lines. */
export function violations(imports: Import[], rules: Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    for (const i of imports) {
      if (!i.from.startsWith(rule.files)) continue;
      const why = rule.forbids(i);
      if (why) out.push(`${rule.name}: ${i.from} ${why}`);
    }
  }
  return out;
}

/** Run-time import cycles (strongly connected components of more than one file, or a file importing itself). */
export function cycles(imports: Import[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const i of imports) {
    if (i.typeOnly || !i.to) continue;
    let list = edges.get(i.from);
    if (!list) edges.set(i.from, (list = []));
    list.push(i.to);
  }
  // Tarjan's algorithm, iterative so a deep tree cannot overflow the stack.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      if (i === 0) {
        index.set(node, next);
        low.set(node, next++);
        stack.push(node);
        onStack.add(node);
      }
      const targets = edges.get(node) ?? [];
      if (i < targets.length) {
        frame[1] += 1;
        const target = targets[i];
        if (!index.has(target)) work.push([target, 0]);
        else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || targets.includes(node)) found.push(component.sort());
      }
    }
  }
  return found;
}

function allImports(): Import[] {
  return OUR_FOLDERS.flatMap((dir) => sources(dir)).flatMap((file) => importsOf(file, readFileSync(resolve(ROOT, file), 'utf8')));
}

test('the layers import only downward, and neither host imports the other', () => {
  const imports = allImports();
  assert.ok(imports.length > 300, `read ${imports.length} imports`);
  assert.deepEqual(violations(imports), []);
});

test('no run-time import cycle in src/ or server/', () => {
  assert.deepEqual(cycles(allImports()), []);
});

test('the checks see what they are meant to see', () => {
  const source = [
    "import { a } from '../state/client.js';",
    "import type { B } from '../elements/x.js';",
    "import { type C, type D } from './c.js';",
    "export { e } from './e.js';",
    "// import { f } from '../../server/node/server.js';",
    "const g = await import('node:fs');",
  ].join('\n');
  const found = importsOf('src/transport/example.ts', source);
  assert.deepEqual(
    found.map((i) => [i.spec, i.typeOnly]),
    [['../state/client.js', false], ['../elements/x.js', true], ['./c.js', true], ['./e.js', false], ['node:fs', false]],
  );
  const fake = (from: string, to: string, typeOnly = false): Import => ({ from, spec: to, to, typeOnly });
  assert.deepEqual(violations([fake('src/transport/a.ts', 'src/state/client.ts', true)]), [
    'transport never imports state or elements: src/transport/a.ts imports src/state/client.ts',
  ]);
  assert.deepEqual(cycles([fake('a', 'b'), fake('b', 'c'), fake('c', 'a'), fake('c', 'd')]), [['a', 'b', 'c']]);
  assert.deepEqual(cycles([fake('a', 'b'), fake('b', 'a', true)]), [], 'a type-only edge closes no cycle');
});
