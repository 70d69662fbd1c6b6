import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { freePort, rawCommand, startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, isOneLineError, runTasks, runTasksInProcess } from './helpers.js';

const COMMANDS = [
  'call',
  'submit',
  'worker',
  'scheduler',
  'status',
  'show',
  'list',
  'events',
  'cancel',
  'pause',
  'resume',
  'dlq',
  'locks',
  'schedules',
  'dashboard',
];
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
    const result = await runTasksInProcess([command, '--help']);
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
      /--concurrency must be a whole number of at least 1, got 'lots' \(not a number\)/,
    ],
    [['status', '--client', 'redis-py'], /--client must be one of ioredis, node-redis, got 'redis-py'/],
    [['status', '--redis-url', 'localhost:6379'], /--redis-url is not a Redis URL: 'localhost:6379'/],
    [['dlq', 'explode', ...offline], /Unknown dlq action 'explode'/],
    [['dlq', 'purge', ...offline], /either an entry id or --all/],
    [['call', 'Add', '--args'], /Option '--args <value>' argument missing/],
    [
      ['submit', 'Add', '--delay-ms', '-5', ...offline],
      /--delay-ms must be a whole number of at least 0, got '-5'$/m,
    ],
    [
      ['schedules', '--count', '99999999', ...offline],
      /--count must be a whole number from 1 to 1000, got '99999999'/,
    ],
    [['dlq', 'list', '--limit', '0', ...offline], /--limit must be a whole number from 1 to 10000, got '0'/],
    [['show', ...offline], /Missing the task id: tasks show <id>/],
    [['cancel', ...offline], /Missing the task id: tasks cancel <id>/],
    [
      ['list', ...offline],
      /Missing --state: one of queued, delayed, running, succeeded, failed, dead-lettered, cancelled/,
    ],
    [['list', '--state', 'done', ...offline], /--state must be one of queued, .*, got 'done'/],
    [
      ['list', '--state', 'queued', '--limit', '5000', ...offline],
      /--limit must be a whole number from 1 to 1000, got '5000'/,
    ],
    [
      ['list', '--state', 'failed', '--cursor', '4/1-0', ...offline],
      /--cursor for --state failed must be the cursor a previous page printed \(whole numbers, one per shard, comma-separated\), got '4\/1-0'/,
    ],
    [['events', '--from', 'now', ...offline], /--from now prints nothing without --follow/],
    [['events', '--follow', '--from', 'yesterday', ...offline], /--from must be start, now or an event id/],
    [['pause', ...offline], /Say which streams to pause: --priority realtime\|normal\|background, --size/],
    [
      ['resume', '--all', '--size', 'small', ...offline],
      /tasks resume takes --all, or --priority and\/or --size, not both/,
    ],
    [
      ['pause', '--priority', 'urgent', ...offline],
      /--priority must be one of realtime, normal, background, got 'urgent'/,
    ],
    [
      ['call', 'Add', '--args', '[1,2]', ...offline],
      /--args must be a JSON object such as \{"to":"ada@example\.org"\}, got an array/,
    ],
    [['call', 'Add', '--args', '42', ...offline], /--args must be a JSON object .*, got a number \(42\)/],
    [
      ['call', 'Add', '--args', '@missing.json', ...offline],
      /--args @missing\.json: cannot read .*missing\.json: .*ENOENT/,
    ],
  ])('%j', async (args, message) => {
    const result = await runTasksInProcess(args);
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
      /bad-override\/tasks\.config\.mjs: overrides\.limits\.task\.Send\.rate_limit: expected a positive integer, got -1/,
    ],
    [
      'bad-override-file',
      /tasks\.config\.mjs: overrides file .*overrides\.yaml: limits\.task\.Send\.concurrency_limit: expected a positive integer, got "many"/,
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

describe('Redis that is not right (exit 4, fast, one line, the same with both clients)', () => {
  const clients = ['ioredis', 'node-redis'];
  const PASSWORD = 'cli-Right-pw';
  let protectedRedis: RedisServer;
  let http: Server;
  let httpPort: number;
  beforeAll(async () => {
    protectedRedis = await startRedisServer();
    expect(await rawCommand(protectedRedis.port, `CONFIG SET requirepass ${PASSWORD}`)).toMatch(/^\+OK/);
    httpPort = await freePort();
    http = createServer((_, response) => response.end('hello'));
    await new Promise<void>((resolve) => http.listen(httpPort, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await protectedRedis.destroy();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it.each(clients)('nothing listens on the port (%s)', async (client) => {
    const port = await freePort();
    const result = await runTasks(['status', '--client', client, '--redis-url', `redis://127.0.0.1:${port}`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      `tasks: Redis at redis://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED): nothing listens there. ` +
        'Check that Redis is running there and that the URL (host and port) is right. (URL from --redis-url.)\n',
    );
  });

  it.each(clients)(
    'the password is wrong (%s): an authentication error, the password masked',
    async (client) => {
      const url = `redis://:wrong-pw@127.0.0.1:${protectedRedis.port}`;
      const result = await runTasks(['status', '--client', client], { env: { TASKS_REDIS_URL: url } });
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(
        new RegExp(
          `^tasks: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${protectedRedis.port} rejected the authentication: WRONGPASS`,
        ),
      );
      expect(result.stderr).toContain('(URL from TASKS_REDIS_URL.)');
      expect(result.stderr).not.toMatch(/wrong-pw|Start Redis|timed out|within/);
      expect(isOneLineError(result), result.stderr).toBe(true);
    },
  );

  it.each(clients)('a password is required and none given (%s)', async (client) => {
    const result = await runTasks([
      'status',
      '--client',
      client,
      '--redis-url',
      `redis://127.0.0.1:${protectedRedis.port}`,
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      'rejected the authentication: it requires a password and none was given (NOAUTH)',
    );
    expect(isOneLineError(result), result.stderr).toBe(true);
  });

  it.each(clients)('an HTTP server listens on the port (%s)', async (client) => {
    const result = await runTasks([
      'status',
      '--client',
      client,
      '--redis-url',
      `redis://127.0.0.1:${httpPort}`,
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `tasks: The server at redis://127.0.0.1:${httpPort} does not speak the Redis protocol (its reply starts with "H", like an HTTP server).`,
    );
    expect(isOneLineError(result), result.stderr).toBe(true);
  });

  it('masks the password of the URL', async () => {
    const port = await freePort();
    const result = await runTasks(['dlq', 'list', '--redis-url', `redis://app:s3cret@127.0.0.1:${port}`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`redis://app:***@127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('s3cret');
  });
});
