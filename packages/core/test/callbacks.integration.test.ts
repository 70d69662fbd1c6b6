import { beforeEach, describe, expect, it } from 'vitest';
import { Brokers } from '../src/brokers.js';
import { Groups } from '../src/groups.js';
import { Submitter } from '../src/submitter.js';
import { TaskRegistry } from '../src/registry.js';
import {
  BaseTask,
  loadTasksConfig,
  spawnWithCallback,
  TaskEventEmitter,
  type TaskContext,
} from '../src/index.js';
import { clients, useApps, waitUntil } from './helpers.js';

const fired: Array<{ kind: string; results: Record<string, unknown>; group: string | null }> = [];
let childRuns = 0;
beforeEach(() => {
  fired.length = 0;
  childRuns = 0;
});

class Square extends BaseTask<{ n: number; fail?: boolean }, number> {
  async execute(): Promise<number> {
    childRuns++;
    if (this.args.fail) throw new Error(`child ${this.args.n} failed`);
    return this.args.n * this.args.n;
  }
}
class Sum extends BaseTask<{ label: string }, number> {
  async execute(ctx: TaskContext): Promise<number> {
    const results = await ctx.groupResults();
    fired.push({ kind: 'done', results, group: ctx.callbackGroupId });
    return Object.values(results).reduce<number>((a, b) => a + Number(b), 0);
  }
}
class Failed extends BaseTask<{ label: string }, void> {
  async execute(ctx: TaskContext): Promise<void> {
    fired.push({ kind: 'failed', results: {}, group: ctx.callbackGroupId });
  }
}
class FanOut extends BaseTask<{ count: number; failAt?: number }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    const children = Array.from(
      { length: this.args.count },
      (_, n) => new Square({ n, fail: n === this.args.failAt }),
    );
    return spawnWithCallback(ctx, children, new Sum({ label: 'sum' }), {
      onFailure: new Failed({ label: 'failed' }),
    });
  }
}

describe.each(clients())('fan-out / fan-in on $name', (client) => {
  const t = useApps(client);
  const tasks = [Square, Sum, Failed, FanOut];

  it('fires once after 100 children, with every result, even when children are redelivered', async () => {
    const app = t.app({ tasks });
    t.worker(app, { concurrency: 20 });
    const handle = await app.submit(new FanOut({ count: 100 }));
    const groupId = await handle.result({ timeoutMs: 10_000 });
    await waitUntil(() => fired.length === 1, 15_000);
    expect(fired[0]?.group).toBe(groupId);
    expect(Object.keys(fired[0]?.results ?? {})).toHaveLength(100);
    expect(Object.values(fired[0]?.results ?? {}).reduce<number>((a, b) => a + Number(b), 0)).toBe(328_350);
    await new Promise((r) => setTimeout(r, 300));
    expect(fired).toHaveLength(1);
  });

  it('counts a redelivered child once and fires exactly once', async () => {
    const app = t.app({ tasks });
    const redis = t.redis();
    const outcomes: string[] = [];
    const registry = new TaskRegistry(tasks, loadTasksConfig({}));
    const broker = new Brokers(redis, app.keys, {
      resultTtlMs: 60_000,
      eventsMaxLen: 0,
      historyMaxLen: 100,
      control: app.keys.control,
    });
    const submitter = new Submitter(registry, broker, 1 << 20, (id) => app.handle(id));
    const events = new TaskEventEmitter();
    events.on('groupFired', (e) => outcomes.push(e.outcome));
    const groups = new Groups(redis, app.keys, submitter, broker, events);
    const groupId = await groups.spawn(
      null,
      [new Square({ n: 1 }), new Square({ n: 2 }), new Square({ n: 3 })],
      new Sum({ label: 's' }),
    );
    const stream = app.keys.of(groupId).streams[4] as string; // children live on their group's shard
    const read = async (): Promise<Array<{ i: string; n: string }>> =>
      ((await redis.command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<[string, string[]]>).map(
        ([, fields]) => JSON.parse(fields[1] ?? '{}') as { i: string; n: string },
      );
    const children = (await read()).filter((p) => p.n === 'Square').map((p) => p.i);
    expect(children).toHaveLength(3);
    await groups.childDone(groupId, children[0] as string, 1);
    await groups.childDone(groupId, children[0] as string, 1); // redelivered: counts once
    await groups.childDone(groupId, children[1] as string, 4);
    expect(outcomes).toEqual([]);
    await groups.childDone(groupId, children[2] as string, 9);
    await groups.childDone(groupId, children[2] as string, 9);
    expect(outcomes).toEqual(['succeeded']);
    expect((await read()).filter((p) => p.n === 'Sum')).toHaveLength(1);
    expect(await groups.results(groupId)).toEqual({
      [children[0] as string]: 1,
      [children[1] as string]: 4,
      [children[2] as string]: 9,
    });
    // After the group expired, a late completion creates nothing.
    await redis.command(['DEL', app.keys.of(groupId).groupState(groupId)], {
      key: app.keys.of(groupId).groupState(groupId),
    });
    await groups.childDone(groupId, 'late', 0);
    expect(
      Number(
        await redis.command(['EXISTS', app.keys.of(groupId).groupState(groupId)], {
          key: app.keys.of(groupId).groupState(groupId),
        }),
      ),
    ).toBe(0);
  });

  it('fires at once for an empty group', async () => {
    const app = t.app({ tasks });
    t.worker(app);
    await app.submit(new FanOut({ count: 0 }));
    await waitUntil(() => fired.length === 1, 5_000);
    expect(fired[0]?.kind).toBe('done');
    expect(fired[0]?.results).toEqual({});
  });

  it('marks the group failed when a child exhausts its retries, and fires the failure callback', async () => {
    const app = t.app({ tasks });
    t.worker(app);
    await app.submit(new FanOut({ count: 5, failAt: 2 }));
    await waitUntil(() => fired.length === 1, 5_000);
    await waitUntil(() => childRuns === 5, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(fired.map((f) => f.kind)).toEqual(['failed']);
  });
});
