import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConcurrencyLimiter,
  LockedObjectType,
  MutexLock,
  RateLimiter,
  SharedRWLock,
  type BaseLock,
} from '@tasks/locks';
import { ExponentialBackoff, NoRetry } from '@tasks/retry';
import { IntervalSeconds, type CronSchedule } from '@tasks/schedules';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BaseTask,
  loadTasksConfig,
  loadTasksConfigFile,
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  Priority,
  TaskConfigError,
  type StandardSchemaV1,
  type TaskContext,
  type TasksConfigInput,
} from '../src/index.js';
import { sleep, useApps, waitUntil } from './helpers.js';

const starts: number[] = [];
beforeEach(() => {
  starts.length = 0;
});

class Unlimited extends BaseTask<{ n: number }, number> {
  async execute(_ctx: TaskContext): Promise<number> {
    starts.push(Date.now());
    return this.args.n;
  }
}

/** Reads a job under a shared lock (any number at once, unless configuration limits the job). */
const active = new Map<string, number>();
const peak = new Map<string, number>();
class ReadJob extends BaseTask<{ job: string; prefix: string }, string> {
  override get executionLocks(): BaseLock[] {
    return [new SharedRWLock(LockedObjectType.JOB, this.args.job, { prefix: this.args.prefix })];
  }
  async execute(): Promise<string> {
    const now = (active.get(this.args.job) ?? 0) + 1;
    active.set(this.args.job, now);
    peak.set(this.args.job, Math.max(peak.get(this.args.job) ?? 0, now));
    await sleep(30);
    active.set(this.args.job, (active.get(this.args.job) ?? 1) - 1);
    return this.args.job;
  }
}

class Sweep extends PeriodicVoAwareBaseTask<string> {
  static override defaultSchedule = new IntervalSeconds(3600);
  async execute(): Promise<string> {
    return this.vo;
  }
}

class Greeter extends PeriodicBaseTask<{ greeting?: string; name?: string }, string> {
  static override defaultSchedule = new IntervalSeconds(86_400);
  async execute(): Promise<string> {
    return `${this.args.greeting ?? 'hello'}, ${this.args.name ?? 'nobody'}`;
  }
}

/** Refuses arguments without a numeric `n`. */
class Counted extends PeriodicBaseTask<{ n: number }, number> {
  static override defaultSchedule = new IntervalSeconds(86_400);
  static override argsSchema: StandardSchemaV1 = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value: unknown) =>
        typeof (value as { n?: unknown } | null)?.n === 'number'
          ? { value }
          : { issues: [{ message: 'expected a number', path: ['n'] }] },
    },
  };
  async execute(): Promise<number> {
    return this.args.n;
  }
}

const limiters = (locks: readonly BaseLock[]): string[] =>
  locks
    .filter((l) => l.enabled)
    .map((l) => `${l.constructor.name} ${l.redisKey} ${String((l as { limit?: unknown }).limit)}`)
    .sort();

describe('configuration', () => {
  const t = useApps();

  it('a rate limit set only in configuration caps a task that declares none', async () => {
    const app = t.app({
      tasks: [Unlimited],
      config: { limits: { task: { Unlimited: { rate_limit: 2, rate_window_seconds: 1 } } } },
    });
    const rescheduled: number[] = [];
    app.on('rescheduled', (e) => rescheduled.push(e.delayMs));
    t.worker(app);
    const handles = await Promise.all([1, 2, 3, 4].map((n) => app.submit(new Unlimited({ n }))));
    for (const h of handles) await h.result({ timeoutMs: 10_000 });
    starts.sort((a, b) => a - b);
    expect(starts).toHaveLength(4);
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(900); // the third waited for the window
    expect(rescheduled.length).toBeGreaterThan(0);
    expect(Math.max(...rescheduled)).toBeLessThanOrEqual(1_000); // rescheduled at the limiter's retryAfterMs
  });

  it('limits configured per object type apply to every lock a task takes of that type', async () => {
    const app = t.app({
      tasks: [ReadJob],
      config: { limits: { job: { default: { concurrency_limit: 1 } } } },
    });
    const prefix = app.keys.prefix;
    expect(limiters(app.locksOf(new ReadJob({ job: 'a', prefix })))).toEqual([
      `ConcurrencyLimiter ${prefix}:limiter:conc:job:a 1`,
      `SharedRWLock ${prefix}:lock:rw:job:a undefined`,
    ]);
    // A rate limit needs a window, in its own entry or in its type's default.
    expect(() =>
      t.app({ tasks: [ReadJob], config: { limits: { job: { wide: { rate_limit: 100 } } } } }),
    ).toThrow(/limits\.job\.wide\.rate_limit: needs rate_window_seconds/);
    active.clear();
    peak.clear();
    t.worker(app, { concurrency: 8 });
    const handles = await Promise.all(
      ['a', 'a', 'a', 'a', 'b', 'b', 'b'].map((job) => app.submit(new ReadJob({ job, prefix }))),
    );
    for (const h of handles) await h.result({ timeoutMs: 20_000 });
    expect(peak.get('a')).toBe(1); // never two readers of job a at once, though the lock is shared
    expect(peak.get('b')).toBe(1);
  });

  it('gives a VO its own limits, retry policy and priority over the common ones', () => {
    const app = t.app({
      tasks: [Sweep, Unlimited],
      config: {
        limits: { task: { Sweep: { concurrency_limit: 2 } } },
        tasks: { Unlimited: { retry: { kind: 'exponential', max_retries: 3 }, priority: 'background' } },
        vo_overrides: {
          lhcb: { limits: { task: { Sweep: { concurrency_limit: 5 } } } },
          atlas: { limits: { task: { default: { concurrency_limit: 9 } } } },
        },
      },
    });
    const conc = (vo: string): string[] =>
      limiters(app.locksOf(new Sweep({ vo }))).filter((l) => l.startsWith('Concurrency'));
    expect(conc('lhcb')).toEqual([`ConcurrencyLimiter ${app.keys.root}:limiter:conc:task:Sweep:lhcb 5`]);
    // The most specific entry wins: the common entry for Sweep over atlas' default.
    expect(conc('atlas')).toEqual([`ConcurrencyLimiter ${app.keys.root}:limiter:conc:task:Sweep:atlas 2`]);
    expect(conc('cms')).toEqual([`ConcurrencyLimiter ${app.keys.root}:limiter:conc:task:Sweep:cms 2`]);
    const policy = app.retryPolicyOf(new Unlimited({ n: 1 }));
    expect(policy).toBeInstanceOf(ExponentialBackoff);
    expect((policy as ExponentialBackoff).maxRetries).toBe(3);
    expect(app.config.task('Unlimited').priority).toBe(Priority.BACKGROUND);
    expect(app.retryPolicyOf(new Sweep({ vo: 'x' }))).toBeInstanceOf(NoRetry);
  });

  it('replaces a limit the code sets, and removes it with null', () => {
    class Coded extends BaseTask<Record<string, never>, void> {
      override get executionLocks(): BaseLock[] {
        return [
          new MutexLock(LockedObjectType.JOB, 'x'),
          new RateLimiter(LockedObjectType.JOB, 'x', { limit: 1, windowSeconds: 5, nItems: 1 }),
          new ConcurrencyLimiter(LockedObjectType.JOB, 'x', { limit: 1, ttlMs: 5_000 }),
        ];
      }
      async execute(): Promise<void> {}
    }
    const app = t.app({
      tasks: [Coded],
      config: { limits: { job: { x: { rate_limit: 7, rate_window_seconds: 2, concurrency_limit: null } } } },
    });
    const locks = app.locksOf(new Coded({}));
    expect(limiters(locks)).toEqual([
      `MutexLock ${app.keys.root}:lock:mutex:job:x undefined`,
      `RateLimiter ${app.keys.root}:limiter:rate:job:x 7`,
    ]);
    expect((locks.find((l) => l instanceof RateLimiter) as RateLimiter).windowSeconds).toBe(2);
  });

  it('loads a DiracX YAML file (common + vo-overrides) as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-config-'));
    const file = join(dir, 'tasks.yaml');
    writeFileSync(
      file,
      [
        'common:',
        '  Unlimited:',
        '    rate_limit: 100',
        '    rate_window_seconds: 60',
        '    concurrency_limit: 5',
        '  Sweep:',
        '    enabled: true',
        '    rate_limit: null',
        '    periodic:',
        '      schedule: "0 6 * * *"',
        'vo-overrides:',
        '  lhcb:',
        '    Unlimited:',
        '      rate_limit: 200',
        '    Sweep:',
        '      periodic:',
        '        enabled: false',
        '',
      ].join('\n'),
    );
    const config = await loadTasksConfigFile(file);
    expect(config.shape).toBe('diracx');
    expect(config.limits('task', 'Unlimited')).toEqual({
      rateLimit: { limit: 100, windowSeconds: 60 },
      concurrencyLimit: 5,
    });
    expect(config.limits('task', 'Unlimited', 'lhcb')).toEqual({
      rateLimit: { limit: 200, windowSeconds: 60 },
      concurrencyLimit: 5,
    });
    expect(config.limits('task', 'Sweep')).toEqual({}); // DiracX's null means "not set"
    expect(config.periodic('Sweep').enabled).toBe(true);
    expect(config.periodic('Sweep', 'lhcb').enabled).toBe(false);
    expect((config.periodic('Sweep').schedule as CronSchedule).toJSON()).toEqual({
      kind: 'cron',
      expression: '0 6 * * *',
      timezone: 'UTC',
    });
    expect(config.periodic('Other')).toEqual({ enabled: true }); // an empty config's default
    const app = t.app({ tasks: [Unlimited, Sweep], config });
    expect((app.scheduleOf(app.taskClass('Sweep'), 'lhcb') as CronSchedule).expression).toBe('0 6 * * *');
  });

  it.each([
    [
      { periodic: { Greeter: { intervall_seconds: 5 } } },
      /periodic\.Greeter\.intervall_seconds: unknown key 'intervall_seconds': did you mean 'interval_seconds'\?/,
    ],
    [{ limit: {} }, /at limit: unknown key 'limit': did you mean 'limits'\?/],
    [
      { limits: { task: { Unlimited: { rateLimit: 5 } } } },
      /limits\.task\.Unlimited\.rateLimit: .*did you mean 'rate_limit'\?/,
    ],
    [
      { vo_overrides: { lhcb: { Unlimited: { rate_limit: 1 } } } },
      /vo_overrides\.lhcb\.Unlimited: unknown key .*need a 'common' section/,
    ],
    [
      { common: { Unlimited: { ratelimit: 1 } } },
      /common\.Unlimited\.ratelimit: .*did you mean 'rate_limit'\?/,
    ],
    [{ common: {}, periodic: {} }, /at periodic: a DiracX-shaped configuration/],
    [{ periodic: { Greeter: { schedule: '0 6 * * *', interval_seconds: 5 } } }, /not both/],
    [{ periodic: { Greeter: { schedule: '61 * * * *' } } }, /periodic\.Greeter\.schedule: .*minute/],
    [
      { periodic: { Greeter: { schedule: { kind: 'rrule', rule: 'FREQ=DAILY;COUNT=5' } } } },
      /periodic\.Greeter\.schedule\.dtstart: .*needs a dtstart/,
    ],
    [{ periodic: { Greeter: { args: { when: new Date() } } } }, /periodic\.Greeter\.args\.when: is a Date/],
    [
      { limits: { job: { default: { concurrency_limit: 0 } } } },
      /limits\.job\.default\.concurrency_limit: expected a positive integer, got 0/,
    ],
    [
      { tasks: { Unlimited: { priority: 'urgent' } } },
      /tasks\.Unlimited\.priority: expected one of realtime, normal, background/,
    ],
    [
      { tasks: { Unlimited: { retry: { kind: 'exponential', max_retries: -1 } } } },
      /tasks\.Unlimited\.retry\.maxRetries/,
    ],
    [{ vo_overrides: { a: {} }, 'vo-overrides': { a: {} } }, /either vo_overrides or vo-overrides/],
  ])('rejects %j with its path', (input, message) => {
    let error: unknown;
    try {
      loadTasksConfig(input as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TaskConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('checks task names and object types against the app, naming the nearest', () => {
    const make = (config: TasksConfigInput) => () => t.app({ tasks: [Unlimited, Greeter, Sweep], config });
    expect(make({ periodic: { Greter: { enabled: false } } })).toThrow(
      /periodic\.Greter: unknown task 'Greter': did you mean 'Greeter'\?/,
    );
    expect(make({ limits: { jobs: { default: { concurrency_limit: 1 } } } })).toThrow(
      /limits\.jobs: unknown object type 'jobs': did you mean 'job'\? .*registerLockedObjectType/,
    );
    expect(make({ limits: { task: { Unlimted: { concurrency_limit: 1 } } } })).toThrow(
      /limits\.task\.Unlimted: unknown task .*did you mean 'Unlimited'/,
    );
    expect(make({ periodic: { Unlimited: { interval_seconds: 5 } } })).toThrow(
      /periodic\.Unlimited: Unlimited is not a periodic task/,
    );
    expect(make({ periodic: { Sweep: { args: { vo: 'x' } } } })).toThrow(
      /periodic\.Sweep\.args\.vo: Sweep is VO-aware/,
    );
    const app = t.app({ tasks: [Unlimited], config: { tasks: { Unlimited: { priority: 'realtime' } } } });
    expect(() => app.reconfigure({ tasks: { Nope: { priority: 'normal' } } })).toThrow(/tasks\.Nope/);
    expect(app.config.task('Unlimited').priority).toBe(Priority.REALTIME); // the old one stays
  });

  it('submits a periodic task with the arguments of its configuration', async () => {
    const app = t.app({
      tasks: [Greeter],
      config: { periodic: { Greeter: { interval_seconds: 0.2, args: { greeting: 'salut', name: 'Ada' } } } },
    });
    const ids: string[] = [];
    app.on('periodicSubmitted', (e) => ids.push(e.taskId));
    t.worker(app);
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 20 });
    void scheduler.run();
    await waitUntil(() => ids.length >= 1);
    await scheduler.close();
    expect(await app.handle(ids[0] as string).result({ timeoutMs: 10_000 })).toBe('salut, Ada');
  });

  it('marks an entry whose configured arguments its schema refuses as failing, once, until fixed', async () => {
    const app = t.app({
      tasks: [Counted, Greeter],
      config: {
        periodic: {
          Counted: { interval_seconds: 0.2, args: { n: 'seven' } },
          Greeter: { interval_seconds: 0.2 },
        },
      },
    });
    const errors: Array<{ name: string; message: string }> = [];
    app.on('periodicError', (e) => errors.push(e));
    const submitted: string[] = [];
    app.on('periodicSubmitted', (e) => submitted.push(e.name));
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 20 });
    void scheduler.run();
    try {
      await waitUntil(() => submitted.filter((n) => n === 'Greeter').length >= 5); // many ticks
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ name: 'Counted', vo: null, schedule: 'every 0.2 s' });
      expect(errors[0]?.message).toMatch(/args\.n is invalid: expected a number/);
      expect((await app.timetable()).entries.find((e) => e.task === 'Counted')?.status).toBe('failing');
      app.reconfigure({ periodic: { Counted: { interval_seconds: 0.2, args: { n: 7 } } } });
      await waitUntil(() => submitted.includes('Counted'));
      expect((await app.timetable()).entries.find((e) => e.task === 'Counted')?.status).toBe('active');
    } finally {
      await scheduler.close();
    }
  });

  it('loads JSON and YAML files, naming the file and field on errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-config-'));
    writeFileSync(join(dir, 'ok.yaml'), 'limits:\n  task:\n    Unlimited:\n      concurrency_limit: 3\n');
    writeFileSync(join(dir, 'bad.json'), '{"limits": {"task": {"Unlimited": {"concurrency_limit": 0}}}}');
    writeFileSync(join(dir, 'broken.yaml'), 'limits: [');
    expect((await loadTasksConfigFile(join(dir, 'ok.yaml'))).limits('task', 'Unlimited')).toEqual({
      concurrencyLimit: 3,
    });
    await expect(loadTasksConfigFile(join(dir, 'bad.json'))).rejects.toThrow(
      /bad\.json: limits\.task\.Unlimited\.concurrency_limit: expected a positive integer/,
    );
    await expect(loadTasksConfigFile(join(dir, 'broken.yaml'))).rejects.toThrow(
      /broken\.yaml: not valid YAML/,
    );
    await expect(loadTasksConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the file/);
  });
});
