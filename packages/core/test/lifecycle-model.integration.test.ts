// A model-based lifecycle test: hundreds of tasks of random behaviour (seeded; the seed is
// printed) run by several workers, one of which is killed mid-run. After quiescence, every
// submitted task has exactly one outcome that its result, its group, the DLQ and the events
// all agree on, and the runs match the model.
import { ConcurrencyLimiter, LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { ExponentialBackoff, NonRetryableError, RetryRequestedError } from '@tasks/retry';
import { describe, expect, it } from 'vitest';
import {
  BaseTask,
  Size,
  spawnWithCallback,
  TaskFailedError,
  type TaskApp,
  type TaskContext,
  type TaskHandle,
  type TaskStatus,
} from '../src/index.js';
import { clients, sleep, sumOverShards, useApps, waitUntil } from './helpers.js';

type Behaviour = 'ok' | 'flaky' | 'exhaust' | 'fatal' | 'ask' | 'mutex' | 'limited' | 'group' | 'hang';

interface Spec {
  readonly id: string;
  readonly behaviour: Behaviour;
  /** Failures (flaky) or requested retries (ask) before success; children (group). */
  readonly n: number;
  readonly dlq: boolean;
  readonly size: Size;
  /** The prefix locks live under. */
  readonly prefix: string;
  readonly children?: readonly Spec[];
}

// What ran, observed from inside the tasks.
const runs = new Map<string, number>();
const taskIds = new Map<string, string>(); // model id -> task id
const fired = new Map<string, string[]>(); // group parent model id -> ['callback' | 'on-failure']
let inMutex = 0;
let inLimiter = 0;
let violations = 0;

const hold = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class ModelTask extends BaseTask<Spec, string> {
  constructor(args: Spec) {
    super(args);
    this.size = args.size;
    this.dlqEligible = args.dlq;
    this.retryPolicy = new ExponentialBackoff({
      baseDelaySeconds: 0.01,
      maxRetries: 2,
      maxDelaySeconds: 0.05,
    });
  }

  override get executionLocks(): BaseLock[] {
    const { behaviour, prefix } = this.args;
    if (behaviour === 'mutex') return [new MutexLock(LockedObjectType.JOB, 'model', { prefix })];
    if (behaviour === 'limited')
      return [new ConcurrencyLimiter(LockedObjectType.JOB, 'model', { prefix, limit: 2 })];
    return [];
  }

  async execute(ctx: TaskContext): Promise<string> {
    const { id, behaviour, n } = this.args;
    runs.set(id, (runs.get(id) ?? 0) + 1);
    taskIds.set(id, ctx.taskId);
    switch (behaviour) {
      case 'ok':
        return id;
      case 'flaky':
        if (ctx.attempt < n) throw new Error(`flaky ${id} #${ctx.attempt}`);
        return id;
      case 'exhaust':
        throw new Error(`exhaust ${id} #${ctx.attempt}`);
      case 'fatal':
        throw new NonRetryableError(`fatal ${id}`);
      case 'ask':
        if (ctx.attempt < n) throw new RetryRequestedError({ delayMs: 5 });
        return id;
      case 'mutex':
        if (++inMutex > 1) violations++;
        await hold(3);
        inMutex--;
        return id;
      case 'limited':
        if (++inLimiter > 2) violations++;
        await hold(3);
        inLimiter--;
        return id;
      case 'group': {
        const children = (this.args.children ?? []).map((c) => new ModelTask(c));
        await spawnWithCallback(ctx, children, new GroupEnd({ parent: id, kind: 'callback' }), {
          onFailure: new GroupEnd({ parent: id, kind: 'on-failure' }),
        });
        return id;
      }
      case 'hang':
        // Runs only on the worker that is killed: it never ends there.
        return new Promise<string>(() => undefined);
    }
  }
}

class GroupEnd extends BaseTask<{ parent: string; kind: string }, void> {
  async execute(): Promise<void> {
    const list = fired.get(this.args.parent) ?? [];
    list.push(this.args.kind);
    fired.set(this.args.parent, list);
  }
}

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeSpecs(rand: () => number, count: number, prefix: string): Spec[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const plain: Behaviour[] = ['ok', 'ok', 'flaky', 'exhaust', 'fatal', 'ask', 'mutex', 'limited'];
  const spec = (id: string, behaviour: Behaviour): Spec => ({
    id,
    behaviour,
    n: behaviour === 'flaky' || behaviour === 'ask' ? 1 + Math.floor(rand() * 2) : 0,
    dlq: rand() < 0.5,
    size: behaviour === 'hang' ? Size.LARGE : pick([Size.SMALL, Size.MEDIUM]),
    prefix,
  });
  const specs: Spec[] = [];
  for (let i = 0; i < count; i++) {
    const id = `t${i}`;
    if (i < 4) specs.push(spec(id, 'hang'));
    else if (rand() < 0.1) {
      const children = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, c) =>
        spec(`${id}.${c}`, pick(['ok', 'ok', 'flaky', 'fatal'] as const)),
      );
      specs.push({ ...spec(id, 'group'), children });
    } else specs.push(spec(id, pick(plain)));
  }
  return specs;
}

/** The outcome the model predicts (hang tasks end as poison entries). */
function expected(spec: Spec): { status: TaskStatus; runs: number } {
  const final = spec.dlq ? 'dead-lettered' : 'failed';
  switch (spec.behaviour) {
    case 'flaky':
    case 'ask':
      return { status: 'succeeded', runs: spec.n + 1 };
    case 'exhaust':
      return { status: final, runs: 3 };
    case 'fatal':
      return { status: final, runs: 1 };
    case 'hang':
      return { status: 'dead-lettered', runs: 1 };
    default:
      return { status: 'succeeded', runs: 1 };
  }
}

async function eventCounts(redis: RedisAdapter, app: TaskApp): Promise<Map<string, number>> {
  const entries: Array<[string, string[]]> = [];
  for (const k of app.keys.shards)
    entries.push(
      ...((await redis.command(['XRANGE', k.events, '-', '+'], { key: k.events })) as Array<
        [string, string[]]
      >),
    );
  const counts = new Map<string, number>();
  for (const [, fields] of entries) counts.set(String(fields[1]), (counts.get(String(fields[1])) ?? 0) + 1);
  return counts;
}

describe.each(clients())('task lifecycle model on $name', (client) => {
  const t = useApps(client);

  it('every task ends in exactly one outcome that result, group, DLQ and events agree on', async () => {
    const seed = Number(process.env.MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`lifecycle model seed=${seed} (${client.name}); rerun with MODEL_SEED=${seed}`);
    runs.clear();
    taskIds.clear();
    fired.clear();
    violations = 0;
    const first = t.app({ tasks: [ModelTask, GroupEnd] });
    const prefix = first.keys.prefix;
    const specs = makeSpecs(random(seed), client.cluster ? 120 : 200, prefix);
    const app = (redis?: RedisAdapter): TaskApp =>
      t.app({ tasks: [ModelTask, GroupEnd], prefix, ...(redis ? { redis } : {}) });
    const workerOptions = { idleTimeoutMs: 300, maxDeliveries: 1, rescheduleDelayMs: { base: 20, max: 200 } };
    // Two workers for small and medium tasks, one for large ones: it will be killed. The small
    // and medium ones reclaim only after 10 s idle, so a stall of a busy machine never turns a
    // healthy run into a poison entry (maxDeliveries is 1); only large tasks are reclaimed fast.
    const patient = { ...workerOptions, idleTimeoutMs: 10_000, sizes: [Size.SMALL, Size.MEDIUM] };
    t.worker(app(), patient);
    t.worker(app(), { ...patient, concurrency: 5 });
    const doomedRedis = client.connect();
    const doomedApp = app(doomedRedis);
    const doomed = doomedApp.createWorker({ ...workerOptions, sizes: [Size.LARGE] });
    void doomed.run();

    const handles = new Map<string, TaskHandle<string>>();
    for (const spec of specs) handles.set(spec.id, await first.submit(new ModelTask(spec)));
    // Kill the large-task worker once every hang task runs on it: its connection goes, its
    // runs never end, nothing of it is written.
    const hanging = specs.filter((s) => s.behaviour === 'hang');
    await waitUntil(() => hanging.every((s) => runs.get(s.id) === 1), 20_000);
    await doomedRedis.close();
    await doomed.close({ timeoutMs: 0 }).catch(() => undefined);
    t.worker(app(), { ...workerOptions, sizes: [Size.LARGE] }); // takes the large tasks over: reclaims them as poison

    const outcomes = await Promise.all(
      specs.map(async (spec) => {
        const handle = handles.get(spec.id) as TaskHandle<string>;
        return handle.result({ timeoutMs: 25_000 }).then(
          (value) => ({ status: 'succeeded' as TaskStatus, value }),
          (error: unknown) => {
            if (!(error instanceof TaskFailedError))
              throw new Error(
                `${spec.id} (${JSON.stringify(spec)}) runs=${runs.get(spec.id)}: ${String(error)}`,
              );
            return { status: error.status as TaskStatus, value: null };
          },
        );
      }),
    );
    const groups = specs.filter((s) => s.behaviour === 'group');
    await waitUntil(() => groups.every((g) => (fired.get(g.id)?.length ?? 0) >= 1), 30_000);
    const redis = t.redis();
    await waitUntil(async () => {
      const status = await first.status();
      return status.running === 0 && status.delayed === 0 && status.streams.every((s) => s.length === 0);
    }, 30_000);
    await sleep(200); // a second fire of a group callback, if any, would show now

    // Every task: one outcome, the predicted one, and result() agrees with the stored record.
    let deadLettered = 0;
    const statusCounts = new Map<string, number>();
    for (const [i, spec] of specs.entries()) {
      const want = expected(spec);
      const record = await first.getResult(handles.get(spec.id)?.id ?? '');
      expect(record?.status, `${spec.id} ${spec.behaviour}: ${record?.reason ?? ''}`).toBe(want.status);
      expect(outcomes[i]?.status, `result() of ${spec.id}`).toBe(record?.status);
      expect(runs.get(spec.id) ?? 0, `runs of ${spec.id} ${spec.behaviour}`).toBe(want.runs);
      if (want.status === 'dead-lettered') deadLettered++;
      statusCounts.set(want.status, (statusCounts.get(want.status) ?? 0) + 1);
      for (const child of spec.children ?? []) {
        const childWant = expected(child);
        const childRecord = await first.getResult(taskIds.get(child.id) ?? '');
        expect(childRecord?.status, `child ${child.id}`).toBe(childWant.status);
        expect(runs.get(child.id), `runs of child ${child.id}`).toBe(childWant.runs);
        if (childWant.status === 'dead-lettered') deadLettered++;
      }
    }
    // Every group fired exactly one of its callbacks: the callback iff every child succeeded.
    for (const group of groups) {
      const allOk = (group.children ?? []).every((c) => expected(c).status === 'succeeded');
      expect(fired.get(group.id), `group ${group.id}`).toEqual([allOk ? 'callback' : 'on-failure']);
    }
    expect(violations).toBe(0);
    expect(await first.dlq.size()).toBe(deadLettered);
    const orphans = await sumOverShards(redis, first, 'HLEN', (k) => k.delayedData);
    expect(orphans).toBe(0);
    // The event stream counts each final outcome once.
    const events = await eventCounts(redis, first);
    expect(events.get('deadLettered')).toBe(deadLettered);
    const childOk = groups.flatMap((g) => g.children ?? []).filter((c) => expected(c).status === 'succeeded');
    const callbacks = groups.length; // each group's GroupEnd task succeeded once
    expect(events.get('succeeded')).toBe((statusCounts.get('succeeded') ?? 0) + childOk.length + callbacks);
  });
});
