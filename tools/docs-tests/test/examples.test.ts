// Every example runs like a user's app: it reads TASKS_REDIS_URL (here the harness's throwaway
// redis-server, never the machine's), prints what its README promises, exits 0 by itself soon
// after its last line, and can be copied out of the repository (no private package).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, rawCommand, startRedisServer } from '@tasks/testing';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../src/readmes.js';

const EXAMPLES = join(ROOT, 'examples');
const examples: ReadonlyArray<[string, RegExp[]]> = [
  [
    'quickstart',
    [
      /Results/,
      /account 42 synced on attempt 1/,
      /dead-lettered/,
      /Heartbeat/,
      /CleanupCache/,
      /group .* complete/,
      /Status/,
    ],
  ],
  ['locks', [/fencing token/, /writer acquired = true/, /refused, retry in \d+ ms/, /upload 5 starts/]],
  ['schedules', [/next \d+ after/, /As data:/, /Bad data is rejected/]],
  ['retry', [/attempt 0 is the first retry/, /What a worker decides/]],
  ['core-ioredis', [/Submitting 5 tasks/, /✓ /, /dead-lettered/]],
  ['core-node-redis', [/delayed tasks: 1/, /Result record of the delayed one: status succeeded/]],
  ['fanout', [/Fanning out/, /fired: succeeded/, /Callbacks:/]],
  [
    'telemetry',
    [
      /upload album/,
      /task\.execute Resize {2}\(attempt 1, succeeded\)/,
      /lock\.acquire mutex/,
      /tasks\.retried +Resize +1/,
    ],
  ],
  [
    'dlq-postgres',
    [/In PostgreSQL \(3 rows\), still in Redis: 0/, /ChargeCard entries: A-1, A-2/, /same: true/],
  ],
  ['cli', [/\$ tasks status/, /# exit 0/, /# exit 5/, /# exit 2/, /is held by/]],
  [
    'cli-control',
    [
      /Progress\s+\{"done":\d+,"of":100000\}/,
      /It stopped: cancelled\./,
      /was already cancelled: nothing to do/,
      /Paused now: none\./,
      /# exit 1/,
      /events │ \S+\s+\S+Z\s+cancelled\s+Export/,
    ],
  ],
  [
    'dashboard',
    [
      /Dashboard at http:\/\/127\.0\.0\.1/,
      /Overview: 1 workers alive, 1 dead-lettered/,
      /DLQ: ChargeCard \(card 4242 declined\)/,
      /mutex is held by task/,
    ],
  ],
];
/**
 * How long an example may take to exit after its last line. Closing a worker takes well under a
 * second; a timer or connection left behind (the fan-out example used to linger 15 s) does not.
 */
const LINGER_LIMIT_MS = 8_000;

interface Run {
  code: number | null;
  output: string;
  /** Milliseconds between the last output and the exit. */
  lingerMs: number;
}

function run(name: string, url: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['main.mjs'], {
      cwd: join(EXAMPLES, name),
      env: { ...process.env, TASKS_REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let last = Date.now();
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      last = Date.now();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, lingerMs: Date.now() - last });
    });
  });
}

describe('examples', () => {
  it('cover every example folder', () => {
    const folders = readdirSync(EXAMPLES, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES, d.name, 'main.mjs')))
      .map((d) => d.name)
      .sort();
    expect(examples.map(([name]) => name).sort()).toEqual(folders);
  });

  it.each(examples.map(([name]) => name))('%s uses no private package and has a README', (name) => {
    const pkg = JSON.parse(readFileSync(join(EXAMPLES, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('@tasks/testing');
    for (const file of readdirSync(join(EXAMPLES, name)).filter((f) => /\.(m?js|ts)$/.test(f)))
      expect(readFileSync(join(EXAMPLES, name, file), 'utf8'), file).not.toContain('@tasks/testing');
    const readme = readFileSync(join(EXAMPLES, name, 'README.md'), 'utf8');
    expect(readme).toMatch(/## Output/);
  });

  it.each(examples)('%s runs to the end and exits by itself', async (name, patterns) => {
    const { code, output, lingerMs } = await run(name, inject('redisUrl'));
    expect(code, output).toBe(0);
    for (const pattern of patterns) expect(output).toMatch(pattern);
    expect(output).not.toMatch(/Unhandled|UnhandledPromiseRejection|MaxListenersExceeded/);
    expect(lingerMs, `${name} lingered ${lingerMs} ms after its last line`).toBeLessThan(LINGER_LIMIT_MS);
  });
});

describe('the quick start when Redis is not right', () => {
  it('fails at once with one line when nothing listens at TASKS_REDIS_URL', async () => {
    const port = await freePort();
    const { code, output } = await run('quickstart', `redis://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(output).toBe(
      `✗ Redis at redis://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED): nothing listens there. ` +
        'Check that Redis is running there and that the URL (host and port) is right.\n',
    );
  });

  it('says the password is wrong, without printing it', async () => {
    const server = await startRedisServer();
    try {
      expect(await rawCommand(server.port, 'CONFIG SET requirepass quick-Start-pw')).toMatch(/^\+OK/);
      const { code, output } = await run('quickstart', `redis://:not-the-pw@127.0.0.1:${server.port}`);
      expect(code).toBe(1);
      expect(output).toMatch(
        new RegExp(
          `^✗ Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port} rejected the authentication: WRONGPASS`,
        ),
      );
      expect(output.trimEnd().split('\n')).toHaveLength(1);
      expect(output).not.toMatch(/not-the-pw|quick-Start-pw/);
    } finally {
      await server.destroy();
    }
  });
});
