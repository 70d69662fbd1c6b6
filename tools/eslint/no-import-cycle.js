// ESLint rule `local/no-import-cycle`: reports a relative import that leads back to the file
// that makes it. Unlike import-x/no-cycle it counts every import the TypeScript scanner sees:
// `import type`, `export ... from` and dynamic `import()` too, because a type-only cycle is
// still a layering bug and a dynamic import is a way to hide one. Only relative imports are
// followed (each package is checked on its own; packages depend on each other's public entry).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** file -> { mtimeMs, imports: resolved files } for the life of the lint process. */
const cache = new Map();

const JS_TO_TS = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts', '.jsx': '.tsx' };

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

/** The file a relative specifier names ('./x.js' is './x.ts' in NodeNext sources), or null. */
function resolveRelative(fromFile, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null;
  const base = resolve(dirname(fromFile), specifier);
  const ext = Object.keys(JS_TO_TS).find((e) => base.endsWith(e));
  const candidates = ext
    ? [base.slice(0, -ext.length) + JS_TO_TS[ext], base]
    : [base, `${base}.ts`, `${base}.tsx`, resolve(base, 'index.ts')];
  return candidates.find(isFile) ?? null;
}

/** The files `file` imports (relative imports only, types and dynamic imports included). */
function importsOf(file) {
  const mtimeMs = statSync(file).mtimeMs;
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.imports;
  const scanned = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
  const imports = [...new Set(scanned.map((f) => resolveRelative(file, f.fileName)).filter(Boolean))];
  cache.set(file, { mtimeMs, imports });
  return imports;
}

/** The shortest import path from `start` back to `target`, or null. */
function pathBack(start, target) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of importsOf(file)) {
      if (next === target) {
        const route = [file];
        for (let at = previous.get(file); at; at = previous.get(at)) route.unshift(at);
        return route;
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const noImportCycle = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Forbid import cycles between the modules of a package, type-only imports included',
    },
    schema: [],
    messages: { cycle: 'Import cycle: {{route}}. Move the shared part to a lower layer.' },
  },
  create(context) {
    const file = context.physicalFilename;
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveRelative(file, source.value);
      if (!target || target === file) return;
      const route = pathBack(target, file);
      if (!route) return;
      const names = [file, ...route, file].map((f) => relative(dirname(file), f) || '.');
      context.report({ node, messageId: 'cycle', data: { route: names.join(' → ') } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
    };
  },
};

/** The plugin that carries the rule: `plugins: { local: localRules }`. */
export const localRules = { rules: { 'no-import-cycle': noImportCycle } };
