import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, isOneLineError, json, jsonLines, runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-cmd');

interface StatusJson {
  prefix: string;
  streams: Array<{ priority: string; size: string; waiting: number; pending: number }>;
  delayed: number;
  running: number;
  deadLettered: number;
  workers: Array<{ id: string }>;
  scheduler: { leader: { instanceId: string } | null };
}

describe('call', () => {
  it('runs a task and prints its result (table mode: the JSON value; notes on stderr)', async () => {
    const result = await runTasks(['call', 'Add', '--args', '{"a":1,"b":2}', ...r.cli(r.prefix())]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('3\n');
    expect(result.stderr).toContain('info: adding a=1 b=2');
    expect(result.stderr).toMatch(/Add finished in \d+ ms/);
  });

  it('prints {task, result, durationMs} with --json, through node-redis too', async () => {
    const result = await runTasks([
      'call',
      'Add',
      '--args',
      '{"a":20,"b":22}',
      '--json',
      '--client',
      'node-redis',
      ...r.cli(r.prefix()),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ task: 'Add', result: 42, durationMs: expect.any(Number) as number });
  });

  it('exits 1 with the task error on one line when the task throws', async () => {
    const result = await runTasks([
      'call',
      'Fail',
      '--args',
      '{"reason":"card declined"}',
      ...r.cli(r.prefix()),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('tasks: Task Fail failed: boom: card declined\n');
    expect(isOneLineError(result)).toBe(true);
  });

  it('prints the error as JSON too with --json', async () => {
    const result = await runTasks(['call', 'Fail', '--json', ...r.cli(r.prefix())]);
    expect(result.code).toBe(1);
    expect(json(result)).toEqual({ task: 'Fail', error: { name: 'Error', message: 'boom: no reason' } });
  });

  it('exits 2 when the task schema rejects the arguments', async () => {
    const result = await runTasks(['call', 'Validated', '--args', '{"n":"two"}', ...r.cli(r.prefix())]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Validated: args\.n .*expected a number/);
    expect(isOneLineError(result)).toBe(true);
  });

  it('runs a task of a TypeScript config', async () => {
    const result = await runTasks(
      ['call', 'Greet', '--args', '{"name":"Ada","excited":true}', '--redis-url', r.url],
      {
        cwd: join(FIXTURES, 'ts'),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('"Hello, Ada!"\n');
  });
});

describe('submit and status', () => {
  it('queues a task on the stream of its priority and size, and status shows it', async () => {
    const cli = r.cli(r.prefix());
    const submitted = await runTasks(['submit', 'Add', '--args', '{"a":1,"b":1}', '--json', ...cli]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(json(submitted)).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      task: 'Add',
      delayMs: 0,
    });
    const delayed = await runTasks(['submit', 'Slow', '--delay-ms', '600000', ...cli]);
    expect(delayed.stdout).toMatch(/^Submitted Slow as [0-9a-f-]{36} \(runs in 10 min 0 s\)\n$/);

    const status = json<StatusJson>(await runTasks(['status', '--json', ...cli]));
    expect(status.streams.find((s) => s.priority === 'normal' && s.size === 'medium')).toMatchObject({
      waiting: 1,
      pending: 0,
    });
    expect(status.streams.reduce((n, s) => n + s.waiting, 0)).toBe(1);
    expect(status).toMatchObject({
      delayed: 1,
      running: 0,
      deadLettered: 0,
      workers: [],
      scheduler: { leader: null },
    });

    const table = await runTasks(['status', ...cli]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SIZE\s+PRIORITY\s+WAITING\s+RUNNING$/m);
    expect(table.stdout).toMatch(/^medium\s+normal\s+1\s+0$/m);
    expect(table.stdout).toMatch(/^Delayed\s+1$/m);
    expect(table.stdout).toMatch(/^Scheduler\s+no leader$/m);
  });

  it('runs without a config file (status only needs the prefix), and says when the prefix is empty', async () => {
    const prefix = r.prefix();
    const result = await runTasks(['status', '--json', ...r.cli(prefix)], { cwd: join(FIXTURES, '..') });
    expect(result.code, result.stderr).toBe(0);
    expect(json<StatusJson>(result).delayed).toBe(0);
    expect(result.stderr).toContain(
      `Nothing in Redis at ${r.url} under prefix '${prefix}' (no key matches {${prefix}}*). Is the prefix right?`,
    );
  });

  it('takes --args from a file (@file) and from standard input (-)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tasks-cli-args-'));
    try {
      await writeFile(join(dir, 'args.json'), JSON.stringify({ a: 40, b: 2, padding: 'x'.repeat(200_000) }));
      const fromFile = await runTasks([
        'call',
        'Add',
        '--args',
        `@${join(dir, 'args.json')}`,
        ...r.cli(r.prefix()),
      ]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromFile.stdout).toBe('42\n');
      const fromStdin = await runTasks(['call', 'Add', '--args', '-', ...r.cli(r.prefix())], {
        input: '{"a":1,"b":2}',
      });
      expect(fromStdin.code, fromStdin.stderr).toBe(0);
      expect(fromStdin.stdout).toBe('3\n');
      const empty = await runTasks(['call', 'Add', '--args', '-', ...r.cli(r.prefix())], { input: '' });
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('--args -: standard input was empty (expected a JSON object)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns when submit --wait has no live worker to wait for', async () => {
    const result = await runTasks([
      'submit',
      'Add',
      '--args',
      '{"a":1,"b":1}',
      '--wait',
      '--timeout-ms',
      '500',
      ...r.cli(r.prefix()),
    ]);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /Warning: no live worker serves medium tasks under prefix '.*' at redis:\/\/127\.0\.0\.1:\d+: Add waits in its queue until one starts \(tasks worker\)/,
    );
  });
});

describe('worker, submit --wait and the DLQ', () => {
  it('runs tasks, reports them, dead-letters, replays, purges and stops on SIGTERM', async () => {
    const cli = r.cli(r.prefix());
    // Its whole life is this test (dozens of commands): not killed by the 30 s default.
    const worker = startTasks(['worker', '--json', '--concurrency', '4', ...cli], { timeoutMs: 120_000 });
    try {
      await worker.waitFor(/Worker .* started: sizes small,medium,large, concurrency 4/);
      const ok = await runTasks(['submit', 'Add', '--args', '{"a":2,"b":5}', '--wait', '--json', ...cli]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(json(ok)).toMatchObject({ task: 'Add', status: 'succeeded', result: 7 });

      const failed = await runTasks([
        'submit',
        'Fail',
        '--args',
        '{"reason":"bad card"}',
        '--wait',
        '--json',
        ...cli,
      ]);
      expect(failed.code).toBe(1);
      const outcome = json<{ id: string; status: string; errors: Array<{ message: string }> }>(failed);
      expect(outcome).toMatchObject({
        task: 'Fail',
        status: 'dead-lettered',
        errors: [{ attempt: 0, message: 'boom: bad card' }],
      });
      expect(failed.stderr).toMatch(/^tasks: Task Fail \(.*\) dead-lettered: .*\[Error\] boom: bad card\n$/);

      const slow = await runTasks([
        'submit',
        'Slow',
        '--args',
        '{"ms":1500}',
        '--wait',
        '--timeout-ms',
        '300',
        ...cli,
      ]);
      expect(slow.code).toBe(6);
      expect(slow.stderr).toMatch(/No result for task .* within 300 ms/);

      const status = json<StatusJson>(await runTasks(['status', '--json', ...cli]));
      expect(status.workers).toHaveLength(1);
      expect(status.deadLettered).toBe(1);

      const list = await runTasks(['dlq', 'list', '--json', ...cli]);
      const [entry] = json<Array<{ id: string; taskName: string; args: unknown; errors: unknown[] }>>(list);
      expect(entry).toMatchObject({ id: outcome.id, taskName: 'Fail', args: { reason: 'bad card' } });
      const table = await runTasks(['dlq', 'list', ...cli]);
      expect(table.stdout).toMatch(/^ID\s+TASK\s+AT\s+ATTEMPTS\s+REASON\s+LAST ERROR$/m);
      expect(table.stdout).toMatch(
        new RegExp(`^${outcome.id}\\s+Fail\\s+\\S+Z\\s+1\\s+.*Error: boom: bad card$`, 'm'),
      );

      const shown = await runTasks(['dlq', 'show', outcome.id, ...cli]);
      expect(shown.stdout).toMatch(/^Args\s+\{"reason":"bad card"\}$/m);
      expect(shown.stdout).toMatch(/attempt 0 at \S+: Error: boom: bad card/);
      expect(json(await runTasks(['dlq', 'show', outcome.id, '--json', ...cli]))).toMatchObject({
        id: outcome.id,
        reason: expect.stringContaining('boom') as string,
      });

      const replayed = await runTasks(['dlq', 'replay', outcome.id, '--json', ...cli]);
      expect(replayed.code, replayed.stderr).toBe(0);
      const { taskId } = json<{ taskId: string }>(replayed);
      expect(taskId).not.toBe(outcome.id);
      // The worker really runs the replayed task (and it lands in the DLQ again, under its new id).
      await worker.waitFor(new RegExp(`"event":"deadLettered"[^\\n]*"taskId":"${taskId}"`));
      const after = json<Array<{ id: string }>>(await runTasks(['dlq', 'list', '--json', ...cli]));
      expect(after.map((e) => e.id)).toEqual([taskId]);

      expect((await runTasks(['dlq', 'show', 'no-such-id', ...cli])).code).toBe(1);
      const purgeMissing = await runTasks(['dlq', 'purge', 'no-such-id', ...cli]);
      expect(purgeMissing.code).toBe(1);
      expect(purgeMissing.stderr).toContain("No dead-letter entry 'no-such-id'");
      expect(json(await runTasks(['dlq', 'purge', taskId, '--json', ...cli]))).toEqual({ purged: 1 });
      expect((await runTasks(['dlq', 'list', ...cli])).stdout).toBe('The dead-letter queue is empty.\n');
    } finally {
      const stopped = await worker.stop('SIGTERM');
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toMatch(
        /Worker .* stopped after .*: 2 succeeded, 2 failed, 0 retried, 2 dead-lettered\./,
      );
      expect(stopped.stdout).not.toContain('\r'); // no progress line when stdout is not a terminal
      const events = jsonLines(stopped.stdout).map((e) => e.event);
      expect(events).toEqual(expect.arrayContaining(['started', 'succeeded', 'failed', 'deadLettered']));
    }
  });

  it('lets a running task finish on SIGTERM, and prints one line per task without --json', async () => {
    const cli = r.cli(r.prefix());
    const worker = startTasks(['worker', '--size', 'medium', '--shutdown-timeout-ms', '20000', ...cli]);
    await worker.waitFor(/started: sizes medium, concurrency 10/);
    // Long enough that a status poll (a process start each, ~1 s on a busy machine) sees it run.
    const submitted = json<{ id: string }>(
      await runTasks(['submit', 'Slow', '--args', '{"ms":6000}', '--json', ...cli]),
    );
    const deadline = Date.now() + 20_000;
    while (json<StatusJson>(await runTasks(['status', '--json', ...cli])).running < 1) {
      if (Date.now() > deadline) throw new Error('the worker never picked the task up');
    }
    const stopped = await worker.stop('SIGINT');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/SIGINT: waiting up to 20\.0 s for 1 running task/);
    expect(stopped.stdout).toMatch(
      new RegExp(`^\\S+Z succeeded\\s+Slow ${submitted.id} attempt 0 in [\\d.]+ m?s$`, 'm'),
    );
    expect(stopped.stderr).toMatch(/stopped after .*: 1 succeeded, 0 failed/);
  });
});
