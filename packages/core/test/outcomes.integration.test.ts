// The less-travelled paths of a task's life: poison entries, requested retries, DLQ replay,
// lock contention, the total concurrency cap, consumers left behind, per-run dependencies.
import { ConcurrencyLimiter, LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { RetryRequestedError } from '@tasks/retry';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BaseTask,
  DeadLetterNotFoundError,
  MissingDependencyError,
  PeriodicBaseTask,
  perRun,
  Priority,
  Size,
  spawnWithCallback,
  TaskFailedError,
  type TaskApp,
  type TaskContext,
} from '../src/index.js';
import { clients, streamsOf, sumOverShards, useApps, waitUntil } from './helpers.js';

const log: string[] = [];
let current = 0;
let peak = 0;
const peakPerSize = new Map<string, number>();
const currentPerSize = new Map<string, number>();
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;
beforeEach(() => {
  log.length = 0;
  current = 0;
  peak = 0;
  peakPerSize.clear();
  currentPerSize.clear();
  gate = new Promise((resolve) => (openGate = resolve));
});

class Note extends BaseTask<{ label: string }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    log.push(`${this.args.label}:${ctx.attempt}`);
    return this.args.label;
  }
}

class AskAgain extends BaseTask<{ label: string }, never> {
  async execute(ctx: TaskContext): Promise<never> {
    log.push(`${this.args.label}:${ctx.attempt}`);
    throw new RetryRequestedError({ delayMs: 5 });
  }
}

class Doomed extends BaseTask<{ label: string }, never> {
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error(`doomed ${this.args.label}`);
  }
}

/** Holds `lock:conc:job:<job>` (limit given) under the app's prefix for `ms`, checking overlap. */
class Limited extends BaseTask<{ prefix: string; job: string; limit: number; ms: number }, number> {
  override get executionLocks(): BaseLock[] {
    const { prefix, job, limit } = this.args;
    return [new ConcurrencyLimiter(LockedObjectType.JOB, job, { prefix, limit })];
  }
  async execute(): Promise<number> {
    current++;
    peak = Math.max(peak, current);
    await new Promise((r) => setTimeout(r, this.args.ms));
    current--;
    return peak;
  }
}

class Exclusive extends BaseTask<{ prefix: string; ms: number }, number> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, 'exclusive', { prefix: this.args.prefix })];
  }
  async execute(): Promise<number> {
    current++;
    peak = Math.max(peak, current);
    await new Promise((r) => setTimeout(r, this.args.ms));
    current--;
    return peak;
  }
}

/** Waits for the gate; counts how many run at once, in total and per size. */
class Held extends BaseTask<{ size: Size }, void> {
  constructor(args: { size: Size }) {
    super(args);
    this.size = args.size;
  }
  async execute(): Promise<void> {
    const size = this.args.size;
    current++;
    peak = Math.max(peak, current);
    currentPerSize.set(size, (currentPerSize.get(size) ?? 0) + 1);
    peakPerSize.set(size, Math.max(peakPerSize.get(size) ?? 0, currentPerSize.get(size) ?? 0));
    await gate;
    currentPerSize.set(size, (currentPerSize.get(size) ?? 1) - 1);
    current--;
  }
}

class FanOut extends BaseTask<{ count: number }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    const children = Array.from({ length: this.args.count }, (_, n) => new Note({ label: `child${n}` }));
    return spawnWithCallback(ctx, children, new Note({ label: 'callback' }), {
      onFailure: new Note({ label: 'on-failure' }),
    });
  }
}

class UsesTx extends BaseTask<{ prefix: string; fail?: 'execute' }, string> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, 'tx', { prefix: this.args.prefix })];
  }
  async execute(ctx: TaskContext): Promise<string> {
    const deps = ctx.deps as { tx: { id: string } };
    log.push(`execute:${deps.tx.id}`);
    if (this.args.fail === 'execute') throw new Error('execute failed');
    return deps.tx.id;
  }
}

class ReadsMissing extends BaseTask<Record<string, never>, unknown> {
  async execute(ctx: TaskContext): Promise<unknown> {
    return (ctx.deps as Record<string, unknown>).database;
  }
}

const TASKS = [Note, AskAgain, Doomed, Limited, Exclusive, Held, FanOut, UsesTx, ReadsMissing];

/** Takes the next entry of a stream as a consumer that then dies (never acks). */
async function stealAsDeadConsumer(redis: RedisAdapter, app: TaskApp, stream: string): Promise<string> {
  await redis
    .command(['XGROUP', 'CREATE', stream, app.keys.group, '0', 'MKSTREAM'], { key: stream })
    .catch(() => undefined);
  const reply = (await redis.command(
    ['XREADGROUP', 'GROUP', app.keys.group, 'dead-consumer', 'COUNT', 1, 'STREAMS', stream, '>'],
    { key: stream },
  )) as Array<[string, Array<[string, string[]]>]> | null;
  const entry = reply?.[0]?.[1][0];
  if (!entry) throw new Error(`nothing to steal on ${stream}`);
  return entry[0];
}

async function consumersOf(redis: RedisAdapter, app: TaskApp): Promise<string[]> {
  const names: string[] = [];
  for (const stream of streamsOf(app)) {
    const reply = (await redis
      .command(['XINFO', 'CONSUMERS', stream, app.keys.group], { key: stream })
      .catch(() => [])) as Array<Array<string | number>>;
    for (const c of reply) names.push(String(c[1]));
  }
  return names;
}

describe.each(clients())('outcomes on $name', (client) => {
  const t = useApps(client);

  it('dead-letters a poison entry with a result record: result() rejects at once, nothing ran', async () => {
    const app = t.app({ tasks: TASKS });
    const redis = t.redis();
    const handle = await app.submit(new Note({ label: 'poison' }));
    await stealAsDeadConsumer(redis, app, app.keys.of(handle.id).stream(Priority.NORMAL, Size.MEDIUM));
    t.worker(app, { idleTimeoutMs: 200, maxDeliveries: 1 });
    const error = await handle.result({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toBe('dead-lettered');
    expect((error as TaskFailedError).message).toMatch(/delivered 2 times without completing \(poison/);
    expect(log).toEqual([]);
    const record = await app.getResult(handle.id);
    expect(record).toMatchObject({ status: 'dead-lettered', deliveries: 2, startedAt: null });
    const [entry] = await app.dlq.list();
    expect(entry?.record).toEqual(record); // one record, two places
    expect((await app.status()).running).toBe(0);
  });

  it('a poison child fails its group: onFailure runs exactly once, the callback never', async () => {
    const app = t.app({ tasks: TASKS });
    const redis = t.redis();
    const fired: string[] = [];
    app.on('groupFired', (e) => fired.push(e.outcome));
    await app.call(new FanOut({ count: 3 })); // children queued, no worker yet
    // The children live on their group's shard: steal one from whichever holds them.
    const streams = streamsOf(app, Priority.NORMAL, Size.MEDIUM);
    let stolen = false;
    for (const stream of streams) {
      if (stolen || Number(await redis.command(['XLEN', stream], { key: stream })) === 0) continue;
      await stealAsDeadConsumer(redis, app, stream);
      stolen = true;
    }
    expect(stolen).toBe(true);
    t.worker(app, { idleTimeoutMs: 200, maxDeliveries: 1 });
    await waitUntil(() => log.includes('on-failure:0'), 15_000);
    await waitUntil(async () => (await app.status()).streams.every((s) => s.length === 0 && s.pending === 0));
    expect(fired).toEqual(['failed']);
    expect(log.filter((l) => l.startsWith('child'))).toHaveLength(2);
    expect(log).not.toContain('callback:0');
    expect(log.filter((l) => l === 'on-failure:0')).toHaveLength(1);
  });

  it('bounds requested retries under NoRetry: 5 retries, then a failure that names the cap', async () => {
    const app = t.app({ tasks: TASKS });
    t.worker(app);
    const handle = await app.submit(new AskAgain({ label: 'again' }));
    await expect(handle.result({ timeoutMs: 15_000 })).rejects.toThrow(
      /retry requested past the cap of 5 retries after 6 attempt/,
    );
    expect(log).toEqual([0, 1, 2, 3, 4, 5].map((n) => `again:${n}`));
    expect((await app.getResult(handle.id))?.attempts).toBe(6);
  });

  it('replays a DLQ entry once under two concurrent replays, on the priority configured today', async () => {
    const app = t.app({ tasks: TASKS });
    const worker = t.worker(app);
    const handle = await app.submit(new Doomed({ label: 'x' }));
    await expect(handle.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
    await worker.close();
    const redis = t.redis();
    // The same app, now configured to run Doomed at realtime priority.
    const config = { tasks: { Doomed: { priority: Priority.REALTIME } } };
    const same = t.app({ tasks: TASKS, prefix: app.keys.prefix, config });
    const results = await Promise.allSettled([same.dlq.replay(handle.id), same.dlq.replay(handle.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(DeadLetterNotFoundError);
    const realtime = same.keys.of(handle.id).stream(Priority.REALTIME, Size.MEDIUM); // the entry's shard
    expect(Number(await redis.command(['XLEN', realtime], { key: realtime }))).toBe(1);
    expect(await sumOverShards(redis, same, 'XLEN', (k) => k.stream(Priority.REALTIME, Size.MEDIUM))).toBe(1);
    expect(await sumOverShards(redis, same, 'XLEN', (k) => k.stream(Priority.NORMAL, Size.MEDIUM))).toBe(0);
    expect(await same.dlq.size()).toBe(0);
  });

  it('wakes tasks refused by a concurrency limiter as slots free, never after the fallback delay', async () => {
    const app = t.app({ tasks: TASKS });
    const prefix = app.keys.prefix;
    // A fallback of a minute: only the wake-up on release can bring them back in time.
    const slow = { rescheduleDelayMs: { base: 60_000, max: 60_000 } };
    t.worker(app, slow);
    t.worker(app, slow);
    const handles = await Promise.all(
      Array.from({ length: 12 }, () => app.submit(new Limited({ prefix, job: 'conc', limit: 2, ms: 20 }))),
    );
    for (const h of handles) expect(await h.result({ timeoutMs: 30_000 })).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
  });

  it('wakes tasks refused by a mutex when the holder finishes', async () => {
    const app = t.app({ tasks: TASKS });
    const prefix = app.keys.prefix;
    const rescheduled: string[] = [];
    app.on('rescheduled', (e) => rescheduled.push(e.blockedBy));
    t.worker(app, { rescheduleDelayMs: { base: 60_000, max: 60_000 } });
    const handles = await Promise.all([1, 2, 3].map(() => app.submit(new Exclusive({ prefix, ms: 100 }))));
    for (const h of handles) expect(await h.result({ timeoutMs: 30_000 })).toBe(1);
    expect(rescheduled.length).toBeGreaterThan(0);
  });

  it('caps concurrency in total across the sizes it serves, and per size when asked', async () => {
    const app = t.app({ tasks: TASKS });
    t.worker(app, { concurrency: 4, concurrencyPerSize: { [Size.LARGE]: 1 } });
    const handles = await Promise.all(
      [Size.SMALL, Size.MEDIUM, Size.LARGE].flatMap((size) =>
        Array.from({ length: 4 }, () => app.submit(new Held({ size }))),
      ),
    );
    await waitUntil(() => current === 4);
    openGate();
    for (const h of handles) await h.result({ timeoutMs: 15_000 });
    expect(peak).toBe(4);
    expect(peakPerSize.get(Size.LARGE)).toBe(1);
  });

  it('a closing worker leaves no consumer behind; a dead worker is reaped by a live one', async () => {
    const app = t.app({ tasks: TASKS });
    const redis = t.redis();
    const worker = t.worker(app, { idleTimeoutMs: 300 });
    expect(await (await app.submit(new Note({ label: 'one' }))).result({ timeoutMs: 5_000 })).toBe('one');
    await waitUntil(async () => (await consumersOf(redis, app)).includes(worker.id));
    await worker.close();
    expect(await consumersOf(redis, app)).not.toContain(worker.id);
    expect((await app.status()).workers.map((w) => w.id)).not.toContain(worker.id);
    // A worker killed without leaving: a stale registry record and an idle consumer.
    const stream = app.keys.stream(Priority.NORMAL, Size.SMALL);
    await redis.command(['XGROUP', 'CREATECONSUMER', stream, app.keys.group, 'ghost'], { key: stream });
    const ghost = JSON.stringify({ id: 'ghost', host: 'gone', pid: 1, running: 0, lastSeen: 1 });
    await redis.command(['HSET', app.keys.workers, 'ghost', ghost], { key: app.keys.workers });
    const live = t.worker(app, { idleTimeoutMs: 300 });
    await waitUntil(async () => !(await consumersOf(redis, app)).includes('ghost'), 15_000);
    const workers = (await app.status()).workers.map((w) => w.id);
    expect(workers).toEqual([live.id]);
  });

  it("keeps an app's task locks under its prefix: two apps never block each other unless they share locks", async () => {
    class Tick extends PeriodicBaseTask {
      async execute(): Promise<void> {
        current++;
        peak = Math.max(peak, current);
        await gate;
        current--;
      }
    }
    const a = t.app({ tasks: [Tick] });
    const b = t.app({ tasks: [Tick] });
    const keyA = a.locksOf(new Tick({}))[0]?.redisKey;
    expect(keyA).toBe(`${a.keys.root}:lock:mutex:task:Tick`);
    expect(b.locksOf(new Tick({}))[0]?.redisKey).toBe(`${b.keys.root}:lock:mutex:task:Tick`);
    t.worker(a);
    t.worker(b);
    const runs = [await a.submit(new Tick({})), await b.submit(new Tick({}))];
    await waitUntil(() => current === 2); // both hold "their" Tick mutex at once
    openGate();
    await Promise.all(runs.map((h) => h.result()));
    const shared = t.app({ tasks: [Tick], sharedLocks: true });
    expect(shared.locksOf(new Tick({}))[0]?.redisKey).toBe('lock:mutex:task:Tick');
  });

  it('runs per-run dependencies between the locks: locks → setup → execute → teardown → release', async () => {
    const redis = t.redis();
    let counter = 0;
    let lockKey = '';
    const held = async (): Promise<boolean> =>
      Number(await redis.command(['EXISTS', lockKey], { key: lockKey })) === 1;
    const tx = perRun({
      setup: async (run) => {
        log.push(`setup:${run.taskName}:held=${String(await held())}`);
        return { id: `tx${++counter}` };
      },
      teardown: async (value, outcome) => {
        log.push(`teardown:${value.id}:${outcome.ok ? 'commit' : 'rollback'}:held=${String(await held())}`);
      },
    });
    const app = t.app({ tasks: TASKS, dependencies: { tx } });
    lockKey = new MutexLock(LockedObjectType.JOB, 'tx', { prefix: app.keys.prefix }).redisKey;
    t.worker(app);
    expect(await (await app.submit(new UsesTx({ prefix: app.keys.prefix }))).result()).toBe('tx1');
    const failing = await app.submit(new UsesTx({ prefix: app.keys.prefix, fail: 'execute' }));
    await expect(failing.result()).rejects.toThrow(/execute failed/);
    expect(log).toEqual([
      'setup:UsesTx:held=true',
      'execute:tx1',
      'teardown:tx1:commit:held=true',
      'setup:UsesTx:held=true',
      'execute:tx2',
      'teardown:tx2:rollback:held=true',
    ]);
    expect(await held()).toBe(false);
    expect(await app.call(new UsesTx({ prefix: app.keys.prefix }))).toBe('tx3');
  });

  it('fails the run when a teardown fails after a success, and names a missing dependency', async () => {
    const tx = perRun({
      setup: () => ({ id: 'tx' }),
      teardown: (_value, outcome) => {
        if (outcome.ok) throw new Error('commit refused');
      },
    });
    const app = t.app({ tasks: TASKS, dependencies: { tx } });
    t.worker(app);
    const handle = await app.submit(new UsesTx({ prefix: app.keys.prefix }));
    await expect(handle.result()).rejects.toThrow(/commit refused/);
    const missing = await app.submit(new ReadsMissing({}));
    await expect(missing.result()).rejects.toThrow(/reads the dependency 'database'.*given: tx/);
    await expect(app.call(new ReadsMissing({}))).rejects.toThrow(MissingDependencyError);
  });
});
