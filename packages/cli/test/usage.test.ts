import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, isOneLineError, json, runTasks } from './helpers.js';

const COMMANDS = ['call', 'submit', 'worker', 'scheduler', 'status', 'dlq', 'locks', 'schedules'];
const offline = ['--redis-url', 'redis://127.0.0.1:1']; // never contacted by these tests

describe('help and version', () => {
  it('prints the global help with every command, the exit codes and examples', async () => {
    const result = await runTasks(['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toContain('Examples:');
  });

  it.each(COMMANDS)('prints the help of %s with its usage and an example', async (command) => {
    const result = await runTasks([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: tasks ${command}`));
    expect(result.stdout).toMatch(/Examples:\n {2}tasks /);
    expect(result.stderr).toBe('');
  });

  it('prints the version of the package', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await runTasks(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('prints the help on stderr and exits 2 without a command', async () => {
    const result = await runTasks([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: tasks <command>');
  });
});

describe('usage errors (exit 2, one line, no stack)', () => {
  it.each([
    [['frobnicate'], /Unknown command 'frobnicate'\. Commands: call, submit/],
    [['status', '--bogus'], /Unknown option --bogus/],
    [['status', '--wait'], /Option --wait does not apply to 'tasks status'/],
    [['call', 'Add', '--args', '{a:1}', ...offline], /--args is not valid JSON \(.*\): \{a:1\}/],
    [['call', 'Nope', ...offline], /Unknown task 'Nope'\. Registered tasks: \[Add, Exclusive, Fail,/],
    [['submit', ...offline], /Missing the task name\. Known tasks: Add, /],
    [['worker', '--size', 'huge', ...offline], /--size must be one of small, medium, large, got 'huge'/],
    [
      ['worker', '--concurrency', 'lots', ...offline],
      /--concurrency must be an integer of at least 1, got 'lots'/,
    ],
    [['status', '--client', 'redis-py'], /--client must be one of ioredis, node-redis, got 'redis-py'/],
    [['status', '--redis-url', 'localhost:6379'], /--redis-url is not a Redis URL: 'localhost:6379'/],
    [['dlq', 'explode', ...offline], /Unknown dlq action 'explode'/],
    [['dlq', 'purge', ...offline], /either an entry id or --all/],
    [['call', 'Add', '--args'], /Option '--args <value>' argument missing/],
  ])('%j', async (args, message) => {
    const result = await runTasks(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(isOneLineError(result), result.stderr).toBe(true);
    expect(result.stdout).toBe('');
  });
});

describe('config errors (exit 3, naming the file and the field)', () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'tasks-cli-'));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('has no config file in the working directory', async () => {
    const result = await runTasks(['call', 'Add'], { cwd: empty });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `No config file: create tasks.config.ts, tasks.config.mts, tasks.config.js, tasks.config.mjs in ${empty}`,
    );
    expect(isOneLineError(result)).toBe(true);
  });

  it('is given a --config file that does not exist', async () => {
    const result = await runTasks(['status', '--config', 'missing.mjs'], { cwd: empty });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${join(empty, 'missing.mjs')}: the file does not exist`);
  });

  it('reports a syntax error in a .mjs config with its line and column', async () => {
    // Written at test time: a file that does not parse would break formatters and linters.
    const dir = await mkdtemp(join(tmpdir(), 'tasks-cli-mjs-'));
    try {
      const source =
        'export class Oops {\n  run() {\n    return 1 +;\n  }\n}\nexport default { tasks: [Oops] };\n';
      await writeFile(join(dir, 'tasks.config.mjs'), source);
      const result = await runTasks(['call', 'Oops', ...offline], { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /Config error in .*tasks\.config\.mjs:3:\d+: syntax error: Unexpected token/,
      );
      expect(isOneLineError(result), result.stderr).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a syntax error in a .ts config with its line and column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tasks-cli-ts-'));
    try {
      const source =
        'export class Oops {\n  run(n: number): number {\n    return n +;\n  }\n}\nexport default { tasks: [Oops] };\n';
      await writeFile(join(dir, 'tasks.config.ts'), source);
      const result = await runTasks(['call', 'Oops', ...offline], { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/tasks\.config\.ts:3:\d+: syntax error: Unexpected token/);
      expect(isOneLineError(result), result.stderr).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'bad-override',
      /bad-override\/tasks\.config\.mjs: overrides\.tasks\.Send\.rateLimit\.limit: expected a positive integer, got -1/,
    ],
    [
      'bad-override-file',
      /tasks\.config\.mjs: overrides file .*overrides\.yaml: tasks\.Send\.concurrencyLimit: expected a positive integer, got "many"/,
    ],
    [
      'bad-field',
      /bad-field\/tasks\.config\.mjs: tasks\[1\]: expected a class extending BaseTask, got the number 42/,
    ],
    ['no-export', /no-export\/tasks\.config\.mjs: it has no default export/],
  ])('%s', async (dir, message) => {
    const result = await runTasks(['call', 'Send', ...offline], { cwd: join(FIXTURES, dir) });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(message);
    expect(isOneLineError(result), result.stderr).toBe(true);
  });
});

describe('an unreachable Redis (exit 4, fast, one line)', () => {
  it.each(['ioredis', 'node-redis'])('with %s', async (client) => {
    const port = await freePort();
    const result = await runTasks(['status', '--client', client, '--redis-url', `redis://127.0.0.1:${port}`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `Cannot reach Redis at redis://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
    expect(isOneLineError(result), result.stderr).toBe(true);
    expect(result.ms).toBeLessThan(5_000);
  });

  it('masks the password of the URL', async () => {
    const port = await freePort();
    const result = await runTasks(['dlq', 'list', '--redis-url', `redis://app:s3cret@127.0.0.1:${port}`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`redis://app:***@127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe('schedules (no Redis needed)', () => {
  it('prints the next occurrences of each periodic task as a table', async () => {
    const result = await runTasks(['schedules', '--count', '3', ...offline]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK\s+VO\s+SCHEDULE\s+ENABLED\s+NEXT \(UTC\)$/);
    expect(result.stdout).toMatch(
      /^Nightly\s+-\s+cron 30 2 \* \* \* UTC\s+yes\s+\d{4}-\d\d-\d\dT02:30:00Z$/m,
    );
    expect(result.stdout).toMatch(/^Sweep\s+lhcb\s+every 3600 s/m);
    expect(result.stdout).toMatch(/^Sweep\s+atlas\s+every 3600 s/m);
    expect(lines.filter((line) => /T02:30:00Z$/.test(line))).toHaveLength(3);
  });

  it('prints them as JSON, consecutive and in the future', async () => {
    const before = Date.now();
    const result = await runTasks(['schedules', '--json', '--count', '4', '--vos', 'cms', ...offline]);
    expect(result.code, result.stderr).toBe(0);
    const rows =
      json<Array<{ task: string; vo: string | null; schedule: unknown; enabled: boolean; next: string[] }>>(
        result,
      );
    expect(rows.map((r) => `${r.task}${r.vo ? `[${r.vo}]` : ''}`)).toEqual(['Nightly', 'Sweep[cms]', 'Tick']);
    const nightly = rows[0];
    expect(nightly?.schedule).toEqual({ kind: 'cron', expression: '30 2 * * *', timezone: 'UTC' });
    const times = (nightly?.next ?? []).map((t) => Date.parse(t));
    expect(times).toHaveLength(4);
    expect(times[0]).toBeGreaterThan(before);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBe(86_400_000);
  });

  it('loads a TypeScript config (through jiti) and applies its overrides', async () => {
    const result = await runTasks(['schedules', '--json', '--count', '1', ...offline], {
      cwd: join(FIXTURES, 'ts'),
    });
    expect(result.code, result.stderr).toBe(0);
    const [weekly] = json<Array<{ task: string; schedule: { timezone: string }; next: string[] }>>(result);
    expect(weekly?.task).toBe('Weekly');
    expect(weekly?.schedule.timezone).toBe('Europe/Zurich');
    const next = new Date(weekly?.next[0] ?? '');
    expect(next.getUTCDay()).toBe(1); // Monday 09:00 in Zurich: 08:00Z in winter, 07:00Z in summer
    expect([7, 8]).toContain(next.getUTCHours());
  });
});
