import { LockedObjectType, LockUnavailableError, MutexLock, RateLimiter } from '@tasks/locks';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BaseTask,
  InvalidTaskArgumentsError,
  Priority,
  Size,
  TaskFailedError,
  type TaskContext,
  UnknownTaskError,
} from '../src/index.js';
import { clients, sleep, useApps, waitUntil } from './helpers.js';
import {
  ALL_TASKS,
  AlwaysFails,
  AlwaysFailsDlq,
  Echo,
  Flaky,
  Guarded,
  Limited,
  Ordered,
  runs,
  Slow,
} from './tasks.js';

beforeEach(() => {
  runs.length = 0;
});

describe.each(clients())('worker on $name', (client) => {
  const t = useApps(client);

  it('runs where the client says (cluster clients really are clusters)', () => {
    expect(t.redis().isCluster).toBe(client.name.includes('cluster'));
  });

  it('gives the task its locks as acquired (under the app prefix), fencing token included', async () => {
    class Fenced extends BaseTask<null, { key: string; token: number | null; own: number | null }> {
      readonly #lock = new MutexLock(LockedObjectType.JOB, 'fenced');
      override get executionLocks(): MutexLock[] {
        return [this.#lock];
      }
      async execute(ctx: TaskContext): Promise<{ key: string; token: number | null; own: number | null }> {
        const held = ctx.locks.find((l) => l instanceof MutexLock);
        return { key: held?.redisKey ?? '', token: held?.fencingToken ?? null, own: this.#lock.fencingToken };
      }
    }
    const app = t.app({ tasks: [Fenced] });
    t.worker(app);
    const run = await (await app.submit(new Fenced(null))).result({ timeoutMs: 10_000 });
    expect(run.key).toBe(`${app.keys.root}:lock:mutex:job:fenced`);
    expect(typeof run.token).toBe('number'); // the acquired copy's token
    expect(run.own).toBeNull(); // the task's own object was not the one acquired
    const called = await app.call(new Fenced(null));
    expect(typeof called.token).toBe('number');
  });

  it('runs a submitted task and stores its result', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    t.worker(app);
    const handle = await app.submit(new Echo({ value: { hello: ['world', 1] } }));
    expect(await handle.result({ timeoutMs: 5_000 })).toEqual({ hello: ['world', 1] });
    const stored = await app.getResult(handle.id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.attempts).toBe(1);
    expect(stored?.finishedAt).toBeGreaterThanOrEqual(stored?.startedAt ?? Infinity);
    const status = await app.status();
    expect(status.streams.every((s) => s.length === 0)).toBe(true); // acked entries are deleted
  });

  it('app.close() stops the workers and schedulers it created and closes its adapter', async () => {
    const own = client.connect();
    const app = t.app({ tasks: ALL_TASKS, redis: own });
    const worker = app.createWorker({ blockMs: 200 });
    const scheduler = app.createScheduler({ tickMs: 50 });
    const running = Promise.all([worker.run(), scheduler.run()]);
    expect(await (await app.submit(new Echo({ value: 1 }))).result({ timeoutMs: 5_000 })).toBe(1);
    await waitUntil(() => scheduler.isLeader);
    await app.close({ timeoutMs: 2_000 });
    await running; // both loops ended
    expect(scheduler.isLeader).toBe(false);
    await expect(own.command(['PING'])).rejects.toThrow();
    expect(() => app.createWorker()).toThrow(/closed/);
    await app.close(); // idempotent
  });

  it('rejects bad arguments at submit, naming the task and the field', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    await expect(app.submit(new Echo({ value: { when: new Date() } }))).rejects.toThrow(
      InvalidTaskArgumentsError,
    );
    await expect(app.submit(new Echo({ value: { when: new Date() } }))).rejects.toThrow(
      /Task Echo: args\.value\.when is a Date/,
    );
    class NotRegistered extends Echo {}
    await expect(app.submit(new NotRegistered({ value: 1 }))).rejects.toThrow(UnknownTaskError);
  });

  it('starts tasks in strict priority order', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const order = [Priority.BACKGROUND, Priority.NORMAL, Priority.REALTIME];
    for (let i = 0; i < 15; i++) {
      const priority = order[i % 3] as Priority;
      await app.submit(new Ordered({ label: `${priority}-${i}`, priority }));
    }
    t.worker(app, { sizes: [Size.SMALL], concurrency: 2 });
    await waitUntil(() => runs.length === 15);
    const priorities = runs.map((r) => (r.args as { priority: string }).priority);
    const expected = ['realtime', 'normal', 'background'].flatMap((p) => Array.from({ length: 5 }, () => p));
    if (!client.shards) {
      expect(priorities).toEqual(expected);
      return;
    }
    // Spread over shards, a shard's fetch may overtake what the worker has not seen yet on
    // the others: at most one batch (concurrency / 2 = 1 entry) per shard and priority step.
    // That is the whole guarantee (docs/scaling.md): which priority runs last is not, since
    // round-robin placement here puts each priority on a shard of its own.
    const rank = (p: string): number => ['realtime', 'normal', 'background'].indexOf(p);
    const overtaking = priorities.filter((p, i) => priorities.slice(i + 1).some((q) => rank(q) < rank(p)));
    expect(overtaking.length).toBeLessThanOrEqual(client.shards * 2);
  });

  it.runIf(client.shards)('starts the tasks of one shard key in strict priority order', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const order = [Priority.BACKGROUND, Priority.NORMAL, Priority.REALTIME];
    for (let i = 0; i < 15; i++) {
      const priority = order[i % 3] as Priority;
      await app.submit(new Ordered({ label: `${priority}-${i}`, priority }), { shardKey: 'one' });
    }
    t.worker(app, { sizes: [Size.SMALL], concurrency: 2 });
    await waitUntil(() => runs.length === 15);
    const priorities = runs.map((r) => (r.args as { priority: string }).priority);
    const expected = ['realtime', 'normal', 'background'].flatMap((p) => Array.from({ length: 5 }, () => p));
    expect(priorities).toEqual(expected);
  });

  it('never runs or holds more entries than its concurrency (bounded prefetch)', async () => {
    let executing = 0;
    let maxExecuting = 0;
    let done = 0;
    class Counted extends BaseTask<null, null> {
      async execute(): Promise<null> {
        maxExecuting = Math.max(maxExecuting, ++executing);
        await sleep(30);
        executing--;
        done++;
        return null;
      }
    }
    const app = t.app({ tasks: [Counted] });
    for (let i = 0; i < 24; i++) await app.submit(new Counted(null));
    t.worker(app, { sizes: [Size.MEDIUM], concurrency: 4 });
    let maxPending = 0;
    const streams = app.keys.shards.map((k) => k.streams[4] as string); // normal priority, medium size
    while (done < 24) {
      let pending = 0;
      for (const stream of streams) {
        const summary = (await t
          .redis()
          .command(['XPENDING', stream, app.keys.group], { key: stream })
          .catch(() => [0])) as [number, ...unknown[]]; // NOGROUP until the worker made its groups
        pending += Number(summary[0]);
      }
      maxPending = Math.max(maxPending, pending);
      await sleep(5);
    }
    expect(maxExecuting).toBe(4);
    // Fetched entries stay pending until their outcome is written, which may lag a freed slot
    // by one write: at most one more slot's worth, never the 24 queued.
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(8);
  });

  it('retries under the same id with the policy delays, then succeeds', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    t.worker(app);
    const handle = await app.submit(new Flaky({ failures: 2, key: 'a' }));
    expect(await handle.result({ timeoutMs: 10_000 })).toBe('ok after 2');
    const mine = runs.filter((r) => r.id === handle.id);
    expect(mine.map((r) => r.attempt)).toEqual([0, 1, 2]);
    const gaps = [(mine[1]?.at ?? 0) - (mine[0]?.at ?? 0), (mine[2]?.at ?? 0) - (mine[1]?.at ?? 0)];
    expect(gaps[0]).toBeGreaterThanOrEqual(90); // 0.1 s, then 0.2 s
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    const stored = await app.getResult(handle.id);
    expect(stored?.attempts).toBe(3);
    expect(stored?.errors.map((e) => e.message)).toEqual(['flaky failure 0', 'flaky failure 1']);
  });

  it('dead-letters a task that exhausts its retries, with every error', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    t.worker(app);
    const handle = await app.submit(new AlwaysFailsDlq({ key: 'x' }));
    const error = await handle.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toBe('dead-lettered');
    expect(runs.filter((r) => r.id === handle.id)).toHaveLength(3); // first run + maxRetries (2)
    const [entry] = await app.dlq.list();
    expect(entry?.taskId).toBe(handle.id);
    expect(entry?.taskName).toBe('AlwaysFailsDlq');
    expect(entry?.args).toEqual({ key: 'x' });
    expect(entry?.errors.map((e) => e.message)).toEqual(['boom 0', 'boom 1', 'boom 2']);
    expect(entry?.errors.every((e) => e.name === 'TypeError' && e.stack)).toBe(true);
    expect(entry?.reason).toMatch(/no retry left after 3 attempt/);
  });

  it('drops (and records) a failing task that is not DLQ-eligible', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    t.worker(app);
    const handle = await app.submit(new AlwaysFails({ key: 'y' }));
    await expect(handle.result({ timeoutMs: 5_000 })).rejects.toThrow(
      /failed: no retry left after 1 attempt\(s\): \[Error\] dropped failure/,
    );
    expect((await app.getResult(handle.id))?.status).toBe('failed');
    expect(await app.dlq.size()).toBe(0);
    expect(runs.filter((r) => r.id === handle.id)).toHaveLength(1);
  });

  it('reschedules on lock contention without using an attempt or storing a result', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const prefix = app.keys.prefix;
    const redis = t.redis();
    const holder = new MutexLock(LockedObjectType.JOB, 'busy', { prefix });
    expect(await holder.acquire(redis)).toBe(true);
    const rescheduled: number[] = [];
    app.on('rescheduled', (e) => rescheduled.push(e.delayMs));
    t.worker(app, { rescheduleDelayMs: { base: 100, max: 400 } });
    const handle = await app.submit(new Guarded({ job: 'busy', prefix }));
    await waitUntil(() => rescheduled.length >= 2);
    expect(runs).toHaveLength(0);
    expect(await app.getResult(handle.id)).toBeNull();
    expect(rescheduled[1]).toBeGreaterThan(rescheduled[0] ?? Infinity); // growing delay
    await holder.release(redis);
    expect(await handle.result({ timeoutMs: 5_000 })).toBe('guarded');
    expect(runs.map((r) => r.attempt)).toEqual([0]);
  });

  it('runs a delayed task after its delay with no scheduler', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    t.worker(app);
    const submitted = Date.now();
    const handle = await app.submit(new Echo({ value: 'later' }), { delayMs: 2_000 });
    expect(await handle.result({ timeoutMs: 6_000 })).toBe('later');
    const ran = runs.find((r) => r.id === handle.id)?.at ?? 0;
    expect(ran - submitted).toBeGreaterThanOrEqual(1_950);
    expect(ran - submitted).toBeLessThan(3_000);
  });

  it('shuts down gracefully: running tasks finish, nothing is lost', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const worker = t.worker(app, { concurrency: 3 });
    const handles = await Promise.all([1, 2, 3].map(() => app.submit(new Slow({ ms: 300 }))));
    await waitUntil(() => runs.length === 3);
    await worker.close({ timeoutMs: 5_000 });
    for (const h of handles) expect((await app.getResult(h.id))?.status).toBe('succeeded');
  });

  it('aborts tasks past the shutdown deadline and redelivers them at once', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const worker = t.worker(app);
    const handle = await app.submit(new Slow({ ms: 60_000, abortable: true }));
    await waitUntil(() => runs.length === 1);
    await worker.close({ timeoutMs: 100 });
    expect(await app.getResult(handle.id)).toBeNull();
    runs.length = 0;
    t.worker(app);
    await waitUntil(() => runs.length === 1); // taken again by the next worker
    expect(runs[0]?.id).toBe(handle.id);
    expect(runs[0]?.attempt).toBe(0);
  });
});

describe('interactive call', () => {
  const t = useApps();

  it('waits for a held mutex and ignores exhausted limiters', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    const prefix = app.keys.prefix;
    const redis = t.redis();
    const exhausted = new RateLimiter(LockedObjectType.TASK, 'Limited', {
      prefix,
      limit: 1,
      windowSeconds: 60,
    });
    expect(await exhausted.acquire(redis)).toBe(true);
    const holder = new MutexLock(LockedObjectType.JOB, 'limited', { prefix });
    expect(await holder.acquire(redis)).toBe(true);
    const started = Date.now();
    const call = app.call(new Limited({ prefix }));
    await sleep(300);
    expect(runs).toHaveLength(0);
    await holder.release(redis);
    expect(await call).toBe('limited');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    // the mutex was released again
    expect(await new MutexLock(LockedObjectType.JOB, 'limited', { prefix }).acquire(redis)).toBe(true);
  });

  it('throws the task error, and LockUnavailableError when the lock stays busy', async () => {
    const app = t.app({ tasks: ALL_TASKS });
    await expect(app.call(new AlwaysFails({ key: 'z' }))).rejects.toThrow('dropped failure');
    const prefix = app.keys.prefix;
    const holder = new MutexLock(LockedObjectType.JOB, 'never', { prefix });
    expect(await holder.acquire(t.redis())).toBe(true);
    await expect(app.call(new Guarded({ job: 'never', prefix }), { waitMs: 200 })).rejects.toThrow(
      LockUnavailableError,
    );
  });
});
