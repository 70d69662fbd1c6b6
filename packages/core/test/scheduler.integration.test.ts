import { spawn } from 'node:child_process';
import type { MutexLock } from '@tasks/locks';
import { IntervalSeconds, previewOccurrences, RRuleSchedule, type Schedule } from '@tasks/schedules';
import { describe, expect, inject, it } from 'vitest';
import {
  BaseTask,
  createTaskApp,
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  Priority,
  Size,
  type TaskApp,
  type TaskContext,
  type TaskEvents,
  type TaskLogger,
  type TimetableEntry,
} from '../src/index.js';
import { clients, sumOverShards, useApps, waitUntil } from './helpers.js';

type Submitted = TaskEvents['periodicSubmitted'];

class Often extends PeriodicBaseTask<Record<string, never>, string> {
  static override defaultSchedule = new IntervalSeconds(0.2);
  async execute(): Promise<string> {
    return 'tick';
  }
}

class PerVo extends PeriodicVoAwareBaseTask<string> {
  static override defaultSchedule = new IntervalSeconds(0.2);
  async execute(ctx: TaskContext): Promise<string> {
    return `${this.vo}:${ctx.taskId}`;
  }
}

class Daily extends PeriodicBaseTask<Record<string, never>, string> {
  static override defaultSchedule = new IntervalSeconds(86_400);
  async execute(): Promise<string> {
    return 'daily';
  }
}

class Plain extends BaseTask<{ n: number }, number> {
  async execute(): Promise<number> {
    return this.args.n;
  }
}

/** A periodic class named `name` on `schedule` (schedules relative to now need a fresh class). */
function periodic(name: string, schedule: Schedule): new (args: Record<string, never>) => PeriodicBaseTask {
  return class extends PeriodicBaseTask<Record<string, never>, string> {
    static override taskName = name;
    static override defaultSchedule = schedule;
    async execute(): Promise<string> {
      return name;
    }
  };
}

/** Every 200 ms from `base` for `count` occurrences, then every minute. */
function burst(base: number, count: number): Schedule {
  const end = base + count * 200;
  const schedule: Schedule = {
    nextOccurrence: (after = new Date()) => {
      const t = after.getTime();
      if (t < end) return new Date(base + (Math.max(0, Math.floor((t - base) / 200)) + 1) * 200);
      return new Date(end + (Math.floor((t - end) / 60_000) + 1) * 60_000);
    },
    preview: (n, after) => previewOccurrences(schedule, n, after),
  };
  return schedule;
}

/** The next whole second of the server clock, plus `ms`. */
async function secondsFromNow(app: TaskApp, ms: number): Promise<Date> {
  return new Date(Math.ceil((await app.redis.time()) / 1000) * 1000 + ms);
}

function record(app: TaskApp): Submitted[] {
  const submitted: Submitted[] = [];
  app.on('periodicSubmitted', (e) => submitted.push(e));
  return submitted;
}

async function entryOf(
  app: TaskApp,
  task: string,
  vo: string | null = null,
): Promise<TimetableEntry | undefined> {
  return (await app.timetable()).entries.find((e) => e.task === task && e.vo === vo);
}

const occurrencesOf = (list: Submitted[], name: string): number[] =>
  list.filter((s) => s.name === name).map((s) => s.occurrence);

function expectConsecutive(occurrences: number[], stepMs: number): void {
  for (let i = 1; i < occurrences.length; i++)
    expect((occurrences[i] as number) - (occurrences[i - 1] as number)).toBe(stepMs);
}

describe.each(clients())('scheduler on $name', (client) => {
  const t = useApps(client);
  const start = (app: TaskApp, options: Parameters<TaskApp['createScheduler']>[0] = {}) => {
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 20, ...options });
    void scheduler.run();
    return scheduler;
  };

  it('keeps the timetable in Redis: a restart neither fires early nor skips', async () => {
    const app = t.app({ tasks: [Often] });
    const submitted = record(app);
    const first = start(app);
    await waitUntil(() => submitted.length >= 2);
    const status = await app.status();
    expect(status.scheduler?.leader).toBe(first.instanceId);
    await first.close();
    expect((await app.status()).scheduler).toBeNull(); // close() hands the lease over at once
    // 'all': however late this one starts, it resumes from the stored next run.
    const second = start(app, { misfire: 'all' });
    await waitUntil(() => submitted.length >= 5);
    await second.close();
    expectConsecutive(occurrencesOf(submitted, 'Often'), 200);
    const entry = await entryOf(app, 'Often');
    expect(entry?.status).toBe('active');
    expect(entry?.lastRun?.occurrence).toBe(submitted.at(-1)?.occurrence);
    expect(entry?.lastRun?.taskId).toBe(submitted.at(-1)?.taskId);
    // Queued as `submit` queues: findable by id (and so cancellable), with a `submitted` event.
    expect((await app.inspect(submitted.at(-1)?.taskId ?? ''))?.state).toBe('queued');
    const last = submitted.at(-1)?.taskId;
    let seen = false;
    for await (const e of app.events({ from: '0', blockMs: 200, signal: AbortSignal.timeout(10_000) })) {
      seen = e.type === 'submitted' && (e.data as { taskId: string }).taskId === last;
      if (seen) break;
    }
    expect(seen).toBe(true);
  });

  it('coalesces occurrences missed while down into one run', async () => {
    const probe = t.app({ tasks: [Plain] });
    const count = 10;
    const base = await probe.redis.time();
    const app = t.app({ tasks: [periodic('Bursty', burst(base, count))] });
    const submitted = record(app);
    const first = start(app);
    await waitUntil(() => submitted.length >= 1);
    await first.close();
    const before = submitted.length;
    expect(before).toBeLessThan(count - 1); // several of the burst are left to miss
    await waitUntil(async () => (await app.redis.time()) > base + count * 200); // all of them missed
    const second = start(app);
    await waitUntil(async () => ((await entryOf(app, 'Bursty'))?.next ?? 0) > base + count * 200);
    await second.close();
    // One run, for the latest missed occurrence: not each of them ('all'), not none ('skip').
    expect(occurrencesOf(submitted.slice(before), 'Bursty')).toEqual([base + count * 200]);
  });

  it('runs a COUNT rule to its last occurrence, marks it ended, and the others carry on', async () => {
    const probe = t.app({ tasks: [Plain] });
    const ended = periodic(
      'EndedLongAgo',
      new RRuleSchedule('FREQ=DAILY;COUNT=5', { dtstart: '2020-01-01T00:00' }),
    );
    const dtstart = await secondsFromNow(probe, 1_000);
    const rule = new RRuleSchedule('FREQ=SECONDLY;COUNT=3', { dtstart });
    const threeRuns = periodic('ThreeRuns', rule);
    // The ended and ending entries come first: they must not stop the one after them.
    const app = t.app({ tasks: [ended, threeRuns, Often] });
    const submitted = record(app);
    const endings: Array<TaskEvents['periodicEnded']> = [];
    app.on('periodicEnded', (e) => endings.push(e));
    const scheduler = start(app);
    await waitUntil(async () => (await entryOf(app, 'ThreeRuns'))?.status === 'ended', 15_000);
    const oftenBefore = occurrencesOf(submitted, 'Often').length;
    await waitUntil(() => occurrencesOf(submitted, 'Often').length >= oftenBefore + 3);
    await scheduler.close();
    const three = occurrencesOf(submitted, 'ThreeRuns');
    // Every occurrence after the scheduler first saw the entry (all three, unless this machine
    // was so slow that it first looked after dtstart), the last one included.
    const seen = (await entryOf(app, 'ThreeRuns'))?.created ?? 0;
    expect(three).toEqual(rule.preview(3, new Date(seen)).map((d) => d.getTime()));
    expect(three.at(-1)).toBe(dtstart.getTime() + 2_000);
    if (seen < dtstart.getTime()) expect(three).toHaveLength(3);
    expect(occurrencesOf(submitted, 'EndedLongAgo')).toEqual([]);
    expect((await entryOf(app, 'EndedLongAgo'))?.status).toBe('ended');
    expect((await entryOf(app, 'ThreeRuns'))?.lastRun?.occurrence).toBe(three[2]);
    expect(endings.map((e) => e.name).sort()).toEqual(['EndedLongAgo', 'ThreeRuns']);
  });

  it('reports a failing schedule once, naming the task and the rule, and runs the others', async () => {
    const broken = {
      nextOccurrence: () => {
        throw new Error('the holiday calendar is unreachable');
      },
      preview: () => [],
      toString: () => "holidays 'CH'",
    };
    const Broken = periodic('Broken', broken);
    const errors: string[] = [];
    const logger: TaskLogger = { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) };
    const app = t.app({ tasks: [Broken, Often], logger });
    const submitted = record(app);
    const reported: Array<TaskEvents['periodicError']> = [];
    app.on('periodicError', (e) => reported.push(e));
    const scheduler = start(app);
    await waitUntil(() => occurrencesOf(submitted, 'Often').length >= 5); // many ticks
    await scheduler.close();
    expect(reported).toEqual([
      { name: 'Broken', vo: null, schedule: "holidays 'CH'", message: 'the holiday calendar is unreachable' },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Periodic task Broken with schedule holidays 'CH' fails: the holiday calendar/);
    const entry = await entryOf(app, 'Broken');
    expect(entry?.status).toBe('failing');
    expect(entry?.error).toBe('the holiday calendar is unreachable');
  });

  it('applies a schedule changed by configuration at once, even with a stored next run far away', async () => {
    const app = t.app({ tasks: [Daily] });
    const daily = start(app);
    await waitUntil(async () => (await entryOf(app, 'Daily')) !== undefined);
    await daily.close();
    const stored = await entryOf(app, 'Daily');
    expect((stored?.next ?? 0) - (await app.redis.time())).toBeGreaterThan(60_000);
    // A new deployment with the schedule changed by configuration, no code change.
    const changed = createTaskApp({
      redis: t.redis(),
      prefix: app.keys.prefix,
      shards: app.keys.shards.length,
      tasks: [Daily],
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      config: { periodic: { Daily: { interval_seconds: 0.2 } } },
    });
    const submitted = record(changed);
    const changes: Array<TaskEvents['periodicChanged']> = [];
    changed.on('periodicChanged', (e) => changes.push(e));
    const scheduler = start(changed, { misfire: 'all' });
    await waitUntil(() => submitted.length >= 3);
    expect(changes[0]).toMatchObject({ name: 'Daily', change: 'schedule changed', status: 'active' });
    expect((changes[0]?.next ?? 0) - (changes[0]?.since ?? 0)).toBeLessThanOrEqual(200);
    expectConsecutive(occurrencesOf(submitted, 'Daily'), 200);
    // And back, live: the next tick puts the next run a day away again; nothing more is submitted.
    changed.reconfigure({ periodic: { Daily: { schedule: { kind: 'interval', seconds: 86_400 } } } });
    await waitUntil(async () => (await entryOf(changed, 'Daily'))?.description === 'every 86400 s');
    const count = submitted.length;
    const entry = await entryOf(changed, 'Daily');
    await waitUntil(async () => (await app.redis.time()) > (entry?.since ?? 0) + 500);
    await scheduler.close();
    expect(submitted.length).toBe(count);
    expect(entry?.next ?? 0).toBeGreaterThan((entry?.since ?? 0) + 60_000);
  });

  it('disables and re-enables an entry by configuration within a tick', async () => {
    const app = t.app({ tasks: [Often] });
    const submitted = record(app);
    const scheduler = start(app);
    await waitUntil(() => submitted.length >= 1);
    app.reconfigure({ periodic: { Often: { enabled: false } } });
    await waitUntil(async () => (await entryOf(app, 'Often'))?.status === 'disabled');
    const disabled = await entryOf(app, 'Often');
    expect(disabled?.next).toBeNull();
    await waitUntil(async () => (await app.redis.time()) > (disabled?.since ?? 0) + 600);
    expect(submitted.filter((s) => s.occurrence > (disabled?.since ?? 0))).toEqual([]);
    app.reconfigure({});
    const count = submitted.length;
    await waitUntil(() => submitted.length >= count + 2);
    await scheduler.close();
    const enabled = await entryOf(app, 'Often');
    expect(enabled?.status).toBe('active');
    expect(submitted.slice(count).every((s) => s.occurrence > (enabled?.since ?? 0))).toBe(true);
  });

  it('gives each VO its own entry and mutex, and picks up a VO added at run time', async () => {
    const app = t.app({ tasks: [PerVo] });
    const submitted = record(app);
    const vos = ['lhcb', 'atlas', 'cms'];
    const scheduler = start(app, { vos: () => vos, voRefreshMs: 50 });
    await waitUntil(() => new Set(submitted.map((s) => s.vo)).size === 3);
    vos.push('alice');
    await waitUntil(() => submitted.some((s) => s.vo === 'alice'));
    vos.splice(0, 1); // lhcb goes: its entry is removed from the timetable
    await waitUntil(async () => (await entryOf(app, 'PerVo', 'lhcb')) === undefined);
    await scheduler.close();
    const keys = ['lhcb', 'atlas'].map((vo) => new PerVo({ vo }).executionLocks[0]?.redisKey);
    expect(keys).toEqual(['lock:mutex:task:PerVo:lhcb', 'lock:mutex:task:PerVo:atlas']);
    expect((await app.timetable()).entries.map((e) => e.vo).sort()).toEqual(['alice', 'atlas', 'cms']);
  });

  it('skips (and records) an occurrence whose previous run still holds the mutex', async () => {
    const app = t.app({ tasks: [Often] });
    const submitted = record(app);
    const skipped: Array<{ reason: string }> = [];
    app.on('periodicSkipped', (e) => skipped.push(e));
    // The task's mutex lives under the app's prefix (two apps never block each other).
    const lock = app.locksOf(new Often({}))[0] as MutexLock;
    expect(lock.redisKey).toBe(`${app.keys.root}:lock:mutex:task:Often`);
    expect(await lock.acquire(t.redis())).toBe(true); // "the previous run"
    const scheduler = start(app);
    try {
      await waitUntil(() => skipped.length >= 2);
      expect(submitted).toHaveLength(0);
      expect(skipped[0]?.reason).toContain(`still holds ${app.keys.root}:lock:mutex:task:Often`);
      const entry = await entryOf(app, 'Often');
      expect(entry?.skipped).toBeGreaterThanOrEqual(2);
      expect(entry?.lastSkip?.reason).toContain(`still holds ${app.keys.root}:lock:mutex:task:Often`);
      const list = app.keys.key('scheduler', 'skipped');
      expect(Number(await t.redis().command(['LLEN', list], { key: list }))).toBeGreaterThanOrEqual(2);
      await lock.release(t.redis());
      await waitUntil(() => submitted.length >= 1);
    } finally {
      await scheduler.close();
      await lock.release(t.redis());
    }
  });

  it('promotes due delayed tasks while it leads, with no worker running', async () => {
    const app = t.app({ tasks: [Plain] });
    const scheduler = start(app);
    await app.submit(new Plain({ n: 1 }), { delayMs: 50 });
    await waitUntil(
      async () =>
        (await sumOverShards(app.redis, app, 'XLEN', (k) => k.stream(Priority.NORMAL, Size.MEDIUM))) === 1,
    );
    await scheduler.close();
    expect((await app.status()).delayed).toBe(0);
  });

  it('logs its next entries with their due times when it starts leading, then every summaryIntervalMs', async () => {
    const infos: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const logger: TaskLogger = {
      info: (message, fields) => infos.push({ message, fields }),
      warn: () => undefined,
      error: () => undefined,
    };
    const app = t.app({ tasks: [Often, Daily], logger });
    const scheduler = start(app, { summaryIntervalMs: 300 });
    const summaries = (): typeof infos => infos.filter((i) => /timetable: /.test(i.message));
    await waitUntil(() => summaries().length >= 2);
    await scheduler.close();
    const [first] = summaries();
    expect(first?.message).toMatch(/^Scheduler \S+ timetable: 2 entries \(2 active\); next 2:\n/);
    expect(first?.message).toMatch(/\n {2}\d{4}-\d\d-\d\dT\S+Z {2}Often {2}every 0\.2 s\n/);
    expect(first?.message).toMatch(/\n {2}\d{4}-\d\d-\d\dT\S+Z {2}Daily {2}every 86400 s$/);
    expect(first?.fields).toEqual({ entries: 2, active: 2 });
  });
});

describe('scheduler fail-over to another process', () => {
  const t = useApps();

  it('elects one leader; a standby takes over within one lease when it dies, without doubles or gaps', async () => {
    const app = t.app({ tasks: [Often] });
    const submitted = record(app); // the standby's submissions
    const child = spawn(
      process.execPath,
      [new URL('./fixtures/scheduler-process.mjs', import.meta.url).pathname],
      {
        env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: app.keys.prefix, LEASE_MS: '1000' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let output = '';
      child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
      await waitUntil(() => output.includes('leader'));
      const standby = app.createScheduler({
        leaseMs: 1_000,
        tickMs: 20,
        misfire: 'all',
        instanceId: 'standby',
      });
      void standby.run();
      const lastRun = async (): Promise<number> => (await entryOf(app, 'Often'))?.lastRun?.occurrence ?? 0;
      await waitUntil(async () => (await lastRun()) > 0);
      const firstRun = await lastRun();
      await waitUntil(async () => (await lastRun()) >= firstRun + 1_000); // the child kept leading
      expect(standby.isLeader).toBe(false);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const leaderKey = app.keys.key('scheduler', 'leader');
      const leaseLeft = Number(await t.redis().command(['PTTL', leaderKey], { key: leaderKey }));
      expect(leaseLeft).toBeLessThanOrEqual(1_000);
      await waitUntil(() => standby.isLeader, 5_000);
      // Within the dead leader's remaining lease, plus the standby's poll (lease / 10) and a
      // generous allowance for a busy machine.
      expect(Date.now() - killedAt).toBeLessThanOrEqual(Math.max(0, leaseLeft) + 100 + 2_000);
      await waitUntil(() => submitted.length >= 5);
      await standby.close();
      const stream = app.keys.stream(Priority.NORMAL, Size.MEDIUM);
      const all = (await t.redis().command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<
        [string, string[]]
      >;
      const occurrences = all.map(([, fields]) =>
        Date.parse((JSON.parse(fields[1] ?? '{}') as { l: { occurrence: string } }).l.occurrence),
      );
      expect(new Set(occurrences).size).toBe(occurrences.length); // none twice
      expectConsecutive(occurrences, 200); // none lost: the standby catches up what fell in the fail-over
    } finally {
      child.kill('SIGKILL');
    }
  });
});
