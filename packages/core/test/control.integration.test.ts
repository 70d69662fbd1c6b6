// Operating tasks from any process: events, lookup and listing, cancel, timeouts, progress,
// custom ids and de-duplication, bulk submit, pause and resume. "Another process" is another
// app on its own connection.
import { ExponentialBackoff } from '@tasks/retry';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BaseTask,
  InvalidTaskArgumentsError,
  Priority,
  Size,
  TaskCancelledError,
  TaskFailedError,
  UnknownTaskIdError,
  type StreamedEvent,
  type TaskApp,
  type TaskContext,
} from '../src/index.js';
import { clients, sleep, useApps, waitUntil } from './helpers.js';

const runs: string[] = [];
const aborted: string[] = [];
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
beforeEach(() => {
  runs.length = 0;
  aborted.length = 0;
  gate = new Promise((resolve) => (release = resolve));
});

/** Waits for the gate (or its signal), recording runs and aborts. */
class Gated extends BaseTask<{ label: string; progress?: number }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    runs.push(this.args.label);
    if (this.args.progress !== undefined) await ctx.progress({ done: this.args.progress });
    await new Promise<void>((resolve, reject) => {
      void gate.then(resolve);
      ctx.signal.addEventListener('abort', () => {
        aborted.push(`${this.args.label}:${(ctx.signal.reason as Error).name}`);
        reject(ctx.signal.reason as Error);
      });
    });
    return this.args.label;
  }
}

class Quick extends BaseTask<{ n: number }, number> {
  async execute(): Promise<number> {
    runs.push(`quick${this.args.n}`);
    return this.args.n;
  }
}

class TimeBoxed extends BaseTask<{ label: string }, string> {
  override timeoutMs = 150;
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.01, maxRetries: 1 });
  async execute(ctx: TaskContext): Promise<string> {
    runs.push(`${this.args.label}:${ctx.attempt}`);
    await sleep(2_000); // ignores the abort: the attempt fails at its deadline all the same
    return 'too late';
  }
}

/** On the realtime stream of its size. */
class Urgent extends BaseTask<Record<string, never>, string> {
  override priority = Priority.REALTIME;
  async execute(): Promise<string> {
    return 'urgent';
  }
}

const TASKS = [Gated, Quick, TimeBoxed];

async function collect(
  app: TaskApp,
  until: (events: StreamedEvent[]) => boolean,
  from = '0',
): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 20_000);
  try {
    for await (const event of app.events({ from, signal: stop.signal, blockMs: 200 })) {
      events.push(event);
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

describe.each(clients())('task control on $name', (client) => {
  const t = useApps(client);
  /** Another process's view of the same app: its own connection. */
  const other = (app: TaskApp): TaskApp => {
    return t.app({ tasks: TASKS, prefix: app.keys.prefix, redis: t.connect() });
  };

  it('streams every transition to another process, nothing missed across a worker crash', async () => {
    const app = t.app({ tasks: TASKS });
    const reader = other(app);
    const doomedRedis = client.connect();
    const doomedApp = t.app({ tasks: TASKS, prefix: app.keys.prefix, redis: doomedRedis });
    const doomed = doomedApp.createWorker({ idleTimeoutMs: 300, blockMs: 100 });
    void doomed.run();
    const slow = await app.submit(new Gated({ label: 'crashed' }));
    await waitUntil(() => runs.includes('crashed'));
    await doomedRedis.close(); // the worker's connection dies with the task running
    await doomed.close({ timeoutMs: 0 }).catch(() => undefined);
    release();
    const quick = await Promise.all([1, 2, 3].map((n) => app.submit(new Quick({ n }))));
    t.worker(app, { idleTimeoutMs: 300 }); // reclaims the crashed one and runs everything
    const ids = [slow.id, ...quick.map((h) => h.id)];
    const done = (events: StreamedEvent[]): boolean =>
      ids.every((id) =>
        events.some((e) => e.type === 'succeeded' && (e.data as { taskId: string }).taskId === id),
      );
    const events = await collect(reader, done);
    for (const id of ids) {
      const mine = events.filter((e) => (e.data as { taskId?: string }).taskId === id).map((e) => e.type);
      expect(mine[0], id).toBe('submitted');
      expect(
        mine.filter((type) => type === 'succeeded'),
        id,
      ).toHaveLength(1);
      expect(mine.indexOf('started')).toBeLessThan(mine.indexOf('succeeded'));
    }
    // The crashed run started on the second worker (its first start is announced too, unless
    // the crash beat the announcement), and finished once.
    const starts = events.filter(
      (e) => e.type === 'started' && (e.data as { taskId: string }).taskId === slow.id,
    );
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(events.some((e) => e.type === 'workerUp')).toBe(true);
  });

  it('inspects a task in every state, and shows progress to another process', async () => {
    const app = t.app({ tasks: TASKS });
    const observer = other(app);
    const delayed = await app.submit(new Quick({ n: 1 }), { delayMs: 60_000 });
    const queued = await app.submit(new Gated({ label: 'second' }));
    expect(await observer.inspect(queued.id)).toMatchObject({
      state: 'queued',
      name: 'Gated',
      priority: Priority.NORMAL,
      size: Size.MEDIUM,
      position: 0,
    });
    const delayedView = await observer.inspect(delayed.id);
    expect(delayedView).toMatchObject({ state: 'delayed', name: 'Quick' });
    expect(delayedView?.state === 'delayed' && delayedView.dueAt).toBeGreaterThan(Date.now() + 50_000);
    const running = await app.submit(new Gated({ label: 'with progress', progress: 40 }));
    const worker = t.worker(app, { concurrency: 2, idleTimeoutMs: 600 });
    await waitUntil(async () => {
      const view = await observer.inspect(running.id);
      return view?.state === 'running' && view.since !== null && view.progress !== null;
    });
    const view = await observer.inspect(running.id);
    expect(view).toMatchObject({
      state: 'running',
      worker: worker.id,
      progress: { done: 40 },
      deliveries: 1,
      locks: [], // an array even though the worker's record went through Lua's cjson
    });
    release();
    await running.result();
    expect(await observer.inspect(running.id)).toMatchObject({
      state: 'succeeded',
      record: { status: 'succeeded', value: 'with progress' },
    });
    expect(await observer.inspect('no-such-task')).toBeNull();
  });

  it('lists tasks by state, a page at a time', async () => {
    const app = t.app({ tasks: TASKS });
    await app.submitMany(Array.from({ length: 7 }, (_, n) => new Quick({ n })));
    await app.submitMany(
      Array.from({ length: 3 }, (_, n) => ({ task: new Quick({ n }), options: { delayMs: 60_000 } })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await app.list({ state: 'queued', limit: 3, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(7);
    expect((await app.list({ state: 'delayed' })).items).toHaveLength(3);
    t.worker(app);
    await waitUntil(async () => (await app.list({ state: 'succeeded' })).items.length === 7);
    const page = await app.list({ state: 'succeeded', limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.cursor).not.toBeNull();
    expect((await app.list({ state: 'queued' })).items).toEqual([]);
  });

  it('cancels queued, delayed and running tasks; result() and the group agree; unknown ids are refused', async () => {
    const app = t.app({ tasks: TASKS });
    const queued = await app.submit(new Quick({ n: 1 }));
    const delayed = await app.submit(new Quick({ n: 2 }), { delayMs: 60_000 });
    expect(await app.cancel(queued.id)).toEqual({ outcome: 'cancelled' });
    expect(await app.cancel(delayed.id)).toEqual({ outcome: 'cancelled' });
    expect(await app.cancel(queued.id)).toEqual({ outcome: 'cancelled' }); // idempotent
    await expect(queued.result()).rejects.toThrow(/cancelled: cancelled before it ran/);
    await expect(delayed.result()).rejects.toBeInstanceOf(TaskFailedError);
    const running = await app.submit(new Gated({ label: 'running' }));
    t.worker(app);
    await waitUntil(() => runs.includes('running'));
    expect(await app.cancel(running.id)).toEqual({ outcome: 'cancelling' });
    await expect(running.result()).rejects.toThrow(/cancelled while running/);
    expect(aborted).toEqual([`running:${new TaskCancelledError('x').name}`]);
    expect(runs).toEqual(['running']); // the cancelled queued and delayed ones never ran
    const status = await app.status();
    expect(status.delayed).toBe(0);
    expect(status.streams.every((s) => s.length === 0 && s.pending === 0)).toBe(true);
    await expect(app.cancel('no-such-task')).rejects.toBeInstanceOf(UnknownTaskIdError);
    const done = await app.submit(new Quick({ n: 3 }));
    await done.result();
    expect(await app.cancel(done.id)).toEqual({ outcome: 'finished', status: 'succeeded' });
  });

  it('a cancel racing the start or the end of a run leaves exactly one outcome', async () => {
    const app = t.app({ tasks: TASKS });
    release(); // Gated tasks end at once unless aborted first
    t.worker(app, { concurrency: 4 });
    const tasks = await Promise.all(
      Array.from({ length: 24 }, (_, n) =>
        app.submit<unknown>(n % 2 ? new Quick({ n }) : new Gated({ label: `g${n}` })),
      ),
    );
    const answers = await Promise.all(tasks.map((h) => app.cancel(h.id)));
    for (const [i, handle] of tasks.entries()) {
      const status = await handle.result({ timeoutMs: 15_000 }).then(
        () => 'succeeded',
        (e: unknown) => (e as TaskFailedError).status,
      );
      const answer = answers[i];
      if (answer?.outcome === 'cancelled') expect(status).toBe('cancelled');
      if (answer?.outcome === 'finished') expect(status).toBe(answer.status);
      if (answer?.outcome === 'cancelling') expect(['cancelled', 'succeeded']).toContain(status);
      expect((await app.getResult(handle.id))?.status).toBe(status);
    }
    await waitUntil(async () => (await app.status()).streams.every((s) => s.pending === 0 && s.length === 0));
  });

  it('fails an attempt past its timeout, with TaskTimeoutError, and the policy retries it', async () => {
    const app = t.app({ tasks: TASKS });
    t.worker(app);
    const handle = await app.submit(new TimeBoxed({ label: 'slow' }));
    await expect(handle.result({ timeoutMs: 15_000 })).rejects.toThrow(/TaskTimeoutError.*timeout of 150 ms/);
    expect(runs).toEqual(['slow:0', 'slow:1']);
    const record = await app.getResult(handle.id);
    expect(record?.errors.map((e) => e.name)).toEqual(['TaskTimeoutError', 'TaskTimeoutError']);
  });

  it('runs one task for 50 concurrent submits of one id, and one per de-duplication window', async () => {
    const app = t.app({ tasks: TASKS });
    const same = await Promise.all(
      Array.from({ length: 50 }, () => app.submit(new Quick({ n: 7 }), { id: 'order-7' })),
    );
    expect(new Set(same.map((h) => h.id))).toEqual(new Set(['order-7']));
    const deduped = await Promise.all(
      Array.from({ length: 20 }, (_, n) => app.submit(new Quick({ n: 100 + n }), { dedupKey: 'nightly' })),
    );
    expect(new Set(deduped.map((h) => h.id)).size).toBe(1);
    t.worker(app);
    expect(await same[0]?.result()).toBe(7);
    await deduped[0]?.result();
    await waitUntil(async () => (await app.status()).streams.every((s) => s.pending === 0 && s.length === 0));
    expect(runs.filter((r) => r === 'quick7')).toHaveLength(1);
    expect(runs.filter((r) => /^quick1\d\d$/.test(r))).toHaveLength(1);
    // Finished, with its result stored: a new submit of the id is still the same task.
    expect((await app.submit(new Quick({ n: 8 }), { id: 'order-7' })).id).toBe('order-7');
    await sleep(200);
    expect(runs.filter((r) => r.startsWith('quick7') || r === 'quick8')).toEqual(['quick7']);
  });

  it('submits in bulk, validating every task first', async () => {
    const app = t.app({ tasks: TASKS });
    await expect(
      app.submitMany([new Quick({ n: 1 }), new Quick({ n: { bad: new Date() } as unknown as number })]),
    ).rejects.toBeInstanceOf(InvalidTaskArgumentsError);
    expect((await app.status()).streams.every((s) => s.length === 0)).toBe(true);
    const handles = await app.submitMany(Array.from({ length: 1_200 }, (_, n) => new Quick({ n })));
    t.worker(app, { concurrency: 50 });
    const values = await Promise.all(handles.map((h) => h.result({ timeoutMs: 30_000 })));
    expect(values).toEqual(Array.from({ length: 1_200 }, (_, n) => n));
  });

  it('pauses streams with tasks in flight: running ones finish, queued ones wait for resume', async () => {
    const app = t.app({ tasks: TASKS });
    t.worker(app);
    const inFlight = await app.submit(new Gated({ label: 'in flight' }));
    await waitUntil(() => runs.includes('in flight'));
    await app.pause();
    const waiting = await app.submitMany([new Quick({ n: 1 }), new Quick({ n: 2 })]);
    release();
    expect(await inFlight.result()).toBe('in flight');
    await sleep(500);
    expect(runs).toEqual(['in flight']);
    const status = await app.status();
    expect(status.streams.every((s) => s.paused)).toBe(true);
    expect(status.streams.find((s) => s.priority === 'normal' && s.size === 'medium')?.length).toBe(2);
    await app.resume({ size: Size.SMALL }); // not theirs
    await sleep(300);
    expect(runs).toEqual(['in flight']);
    await app.resume();
    expect(await Promise.all(waiting.map((h) => h.result()))).toEqual([1, 2]);
  });

  it('resumes one stream while the worker waits on the other streams of its size', async () => {
    const app = t.app({ tasks: [...TASKS, Urgent] });
    await app.pause({ priority: Priority.NORMAL });
    t.worker(app);
    const held = await app.submit(new Quick({ n: 1 }));
    const urgent = await app.submit(new Urgent({}));
    expect(await urgent.result()).toBe('urgent'); // unpaused, the earlier normal task would go first
    expect((await app.inspect(held.id))?.state).toBe('queued');
    await app.resume({ priority: Priority.NORMAL });
    expect(await held.result({ timeoutMs: 15_000 })).toBe(1);
  });
});
