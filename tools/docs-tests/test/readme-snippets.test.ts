// Every ```ts runnable / ```js runnable block of every README is a program a reader can copy:
// the TypeScript ones must type-check under the repository's strict settings, and every one
// must run to completion against a real Redis and exit by itself. The Redis URL the snippets
// show (redis://127.0.0.1:6379) is replaced by a throwaway redis-server started for each
// snippet, so snippets never touch a Redis of the machine and never see each other's keys.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@tasks/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockId,
  codeBlocks,
  findReadmes,
  isCode,
  isTypeScript,
  ROOT,
  type CodeBlock,
} from '../src/readmes.js';

const SNIPPETS = fileURLToPath(new URL('../.snippets/', import.meta.url));
const SHOWN_URL = 'redis://127.0.0.1:6379';
/** How long a snippet may run: it must exit by itself (a client left open would hang a reader's program). */
const RUN_LIMIT_MS = 30_000;
/** READMEs whose TypeScript/JavaScript blocks may stay unmarked: none any more. */
const UNMARKED_ALLOWED = new Set<string>();

const readmes = findReadmes();
const blocks = readmes.flatMap((file) => codeBlocks(file)).filter(isCode);
const runnable = blocks.filter((block) => block.flags.includes('runnable'));

describe('README code blocks', () => {
  it('are each marked runnable or fragment', () => {
    const unmarked = blocks
      .filter((b) => !b.flags.includes('runnable') && !b.flags.includes('fragment'))
      .filter((b) => !UNMARKED_ALLOWED.has(b.file))
      .map((b) => `${b.file}:${b.line} (\`\`\`${b.language})`);
    expect(unmarked, 'mark each ts/js block: ```ts runnable or ```ts fragment').toEqual([]);
  });

  it('include runnable snippets in the READMEs of the packages and the root', () => {
    const files = new Set(runnable.map((b) => b.file));
    for (const file of ['README.md', 'packages/redis-ioredis/README.md', 'packages/redis-node/README.md'])
      expect([...files]).toContain(file);
  });
});

/** Type errors per snippet id (TypeScript snippets only), from one strict `tsc` run. */
let typeErrors = new Map<string, string[]>();

beforeAll(() => {
  rmSync(SNIPPETS, { recursive: true, force: true });
  mkdirSync(SNIPPETS, { recursive: true });
  for (const block of runnable)
    writeFileSync(join(SNIPPETS, `${blockId(block)}.${isTypeScript(block) ? 'ts' : 'mjs'}`), block.code);
  writeFileSync(
    join(SNIPPETS, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        outDir: 'out',
        rootDir: '.',
        declaration: false,
        declarationMap: false,
        sourceMap: false,
      },
      include: ['*.ts'],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: SNIPPETS,
    encoding: 'utf8',
  });
  typeErrors = new Map();
  for (const line of `${result.stdout}${result.stderr}`.split('\n')) {
    const match = /^(.+)\.ts\((\d+),\d+\): (error .*)$/.exec(line);
    if (!match?.[1]) continue;
    const list = typeErrors.get(match[1]) ?? [];
    list.push(`snippet line ${match[2]}: ${match[3]}`);
    typeErrors.set(match[1], list);
  }
}, 120_000);

function run(file: string, url: string): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd: SNIPPETS,
      env: { ...process.env, TASKS_REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_LIMIT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

const files = [...new Set(runnable.map((block) => block.file))];
describe.each(files)('%s', (file) => {
  const mine = runnable.filter((block) => block.file === file);
  it.each(mine.map((block) => [block.line, block] as const))(
    'snippet at line %i runs',
    async (_, block: CodeBlock) => {
      const id = blockId(block);
      if (isTypeScript(block))
        expect(typeErrors.get(id) ?? [], `${file}:${block.line} type-checks`).toEqual([]);
      const compiled = isTypeScript(block) ? join(SNIPPETS, 'out', `${id}.js`) : join(SNIPPETS, `${id}.mjs`);
      const server = await startRedisServer();
      try {
        const runnableFile = compiled.replace(/\.(m?js)$/, '.run.$1');
        writeFileSync(runnableFile, readFileSync(compiled, 'utf8').replaceAll(SHOWN_URL, server.url));
        const result = await run(runnableFile, server.url);
        expect(
          result.timedOut,
          `${file}:${block.line} did not exit within ${RUN_LIMIT_MS} ms:\n${result.output}`,
        ).toBe(false);
        expect(result.code, `${file}:${block.line} failed:\n${result.output}`).toBe(0);
      } finally {
        await server.destroy();
      }
    },
  );
});
