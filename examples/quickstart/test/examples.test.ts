// CI runs every example and the quick start, each against the test harness's throwaway Redis
// (never the machine's), and checks it exits cleanly and prints what it promises.
import { spawn } from 'node:child_process';
import type {} from '@tasks/testing'; // brings the inject('redisUrl') typing
import { describe, expect, inject, it } from 'vitest';

const examples: ReadonlyArray<[string, RegExp[]]> = [
  ['quickstart', [/Results/, /account 42 synced on attempt 1/, /dead-lettered/, /Heartbeat/, /CleanupCache/, /group .* complete/, /Status/]],
  ['locks', [/fencing token/, /writer acquired = true/, /refused, retry in \d+ ms/, /upload 5 starts/]],
  ['schedules', [/next \d+ after/, /As data:/, /Bad data is rejected/]],
  ['retry', [/attempt 0 is the first retry/, /What a worker decides/]],
  ['core-ioredis', [/Submitting 5 tasks/, /✓ /, /dead-lettered/]],
  ['core-node-redis', [/delayed tasks: 1/, /Result record of the delayed one: status succeeded/]],
  ['fanout', [/Fanning out/, /fired: succeeded/, /Callbacks:/]],
  ['cli', [/\$ tasks status/, /# exit 0/, /# exit 5/, /# exit 2/]],
];

function run(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['main.mjs'], {
      cwd: new URL(`../../${name}/`, import.meta.url).pathname,
      env: { ...process.env, TASKS_REDIS_URL: inject('redisUrl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('examples', () => {
  it.each(examples)('%s runs to the end', async (name, patterns) => {
    const { code, output } = await run(name);
    expect(code, output).toBe(0);
    for (const pattern of patterns) expect(output).toMatch(pattern);
    expect(output).not.toMatch(/Unhandled|UnhandledPromiseRejection|MaxListenersExceeded/);
  });
});
