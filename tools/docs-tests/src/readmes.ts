// Finds every README.md of the repository and the fenced code blocks in it.
//
// A TypeScript or JavaScript block must say what it is in its info string:
//   ```ts runnable     a complete program: type-checked (TypeScript, strict) and run against a
//                      throwaway Redis by the test command; it must exit by itself
//   ```ts fragment     a partial sketch (a config file, one call out of context): shown only
// Every other language (bash, text, json...) is left alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.turbo', '.snippets', '.test-results']);
const CODE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** A fenced code block of a README. */
export interface CodeBlock {
  /** The README, relative to the repository root (`packages/locks/README.md`). */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The language word of the info string (`ts`, `bash`, ...), lower case. */
  readonly language: string;
  /** The other words of the info string (`runnable`, `fragment`). */
  readonly flags: readonly string[];
  readonly code: string;
}

/** Every README.md under the repository root (build outputs and dependencies excluded), sorted. */
export function findReadmes(root = ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name === 'README.md') found.push(relative(root, join(dir, entry.name)));
    }
  };
  walk(root);
  return found.sort();
}

/** The fenced code blocks of one README (``` and ~~~ fences, any length of at least 3). */
export function codeBlocks(file: string, root = ROOT): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '```', language = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    blocks.push({
      file,
      line: i + 1,
      language: language.toLowerCase(),
      flags: rest.split(/\s+/).filter(Boolean),
      code: `${body.join('\n')}\n`,
    });
    i = j;
  }
  return blocks;
}

/** True for a TypeScript or JavaScript block. */
export function isCode(block: CodeBlock): boolean {
  return CODE_LANGUAGES.has(block.language);
}

/** True for a TypeScript block. */
export function isTypeScript(block: CodeBlock): boolean {
  return block.language === 'ts' || block.language === 'typescript';
}

/** A file-name-safe id: `packages-locks-README-12`. */
export function blockId(block: CodeBlock): string {
  return `${block.file.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${block.line}`;
}

/** The Markdown links `[text](target)` of a README, with their lines (code blocks skipped). */
export function markdownLinks(file: string, root = ROOT): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  let fence: string | null = null;
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
      if (marker && (fence === null || marker.startsWith(fence))) {
        fence = fence === null ? marker : null;
        return;
      }
      if (fence !== null) return;
      for (const match of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
        if (match[1]) links.push({ line: index + 1, target: match[1] });
    });
  return links;
}
