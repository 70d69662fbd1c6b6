import { BaseTask, Priority, createTaskApp, type TaskApp } from '@tasks/core';
import { waitUntil } from '@tasks/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { isOneLineError, json, jsonLines, runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-control');

// The test submits through the API (quicker than a process per task); the CLI processes load
// the classes of the same names from the fixture config.
class Add extends BaseTask<{ a: number; b: number }, number> {
  async execute(): Promise<number> {
    return this.args.a + this.args.b;
  }
}
class Slow extends BaseTask<{ ms: number }, string> {
  async execute(): Promise<string> {
    return 'slept';
  }
}
class Report extends BaseTask<Record<string, never>, string> {
  async execute(): Promise<string> {
    return 'reported';
  }
}
class Urgent extends BaseTask<Record<string, never>, string> {
  override priority = Priority.REALTIME;
  async execute(): Promise<string> {
    return 'urgent';
  }
}

const apps: TaskApp[] = [];
afterAll(async () => {
  for (const app of apps) await app.close({ closeRedis: false });
});

function appOf(prefix: string): TaskApp {
  const app = createTaskApp({ redis: r.redis(), tasks: [Add, Slow, Report, Urgent], prefix });
  apps.push(app);
  return app;
}

interface Page {
  state: string;
  items: Array<{ id: string; name: string; labels: Record<string, string>; dueAt?: number; worker?: string }>;
  cursor: string | null;
}

describe('show, list and cancel without a worker', () => {
  it(
    'pages through queued tasks, shows queued and delayed ones, cancels them (idempotently)',
    { timeout: 180_000 },
    async () => {
      const prefix = r.prefix();
      const cli = r.cli(prefix);
      const app = appOf(prefix);
      const first = await app.submit(new Add({ a: 1, b: 2 }));
      const second = await app.submit(new Add({ a: 3, b: 4 }), { labels: { who: 'ops' } });
      const later = await app.submit(new Slow({ ms: 1 }), { delayMs: 600_000 });

      const [page1, showFirst, showSecond, delayed, showLater] = await Promise.all([
        runTasks(['list', '--state', 'queued', '--limit', '1', ...cli]),
        runTasks(['show', first.id, ...cli]),
        runTasks(['show', second.id, '--json', '--client', 'node-redis', ...cli]),
        runTasks(['list', '--state', 'delayed', '--json', ...cli]),
        runTasks(['show', later.id, ...cli]),
      ]);
      expect(page1.code, page1.stderr).toBe(0);
      expect(page1.stdout).toMatch(/^ID\s+TASK\s+STREAM\s+ATTEMPT\s+SUBMITTED\s+LABELS$/m);
      expect(page1.stdout.trimEnd().split('\n')).toHaveLength(2);
      expect(page1.stdout).toMatch(new RegExp(`^${first.id}\\s+Add\\s+normal/medium\\s+0\\s+\\S+Z$`, 'm'));
      const cursor = /More: tasks list --state queued --limit 1 --cursor (\S+)/.exec(page1.stderr)?.[1];
      expect(cursor, page1.stderr).toMatch(/^0\.4\/\d+-\d+$/);

      expect(showFirst.stdout).toMatch(/^State\s+queued$/m);
      expect(showFirst.stdout).toMatch(/^Position\s+0 task\(s\) ahead of it$/m);
      expect(json(showSecond)).toMatchObject({
        id: second.id,
        name: 'Add',
        state: 'queued',
        priority: 'normal',
        size: 'medium',
        position: 1,
        labels: { who: 'ops' },
      });
      const delayedPage = json<Page>(delayed);
      expect(delayedPage.items.map((i) => i.id)).toEqual([later.id]);
      expect(delayedPage.items[0]?.dueAt).toBeGreaterThan(Date.now() + 500_000);
      expect(delayedPage.cursor).toBeNull();
      expect(showLater.stdout).toMatch(/^State\s+delayed$/m);
      expect(showLater.stdout).toMatch(/^Due\s+\S+Z \(in \d+ min \d+ s\)$/m);

      const page2 = json<Page>(
        await runTasks(['list', '--state', 'queued', '--cursor', cursor ?? '', '--json', ...cli]),
      );
      expect(page2.items.map((i) => [i.id, i.labels])).toEqual([[second.id, { who: 'ops' }]]);
      expect(page2.cursor).toBeNull();

      const cancelled = await runTasks(['cancel', second.id, '--json', ...cli]);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(json(cancelled)).toEqual({ id: second.id, task: 'Add', outcome: 'cancelled', was: 'queued' });
      const [again, cancelLater] = await Promise.all([
        runTasks(['cancel', second.id, ...cli]),
        runTasks(['cancel', later.id, ...cli]),
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`Add ${second.id} was already cancelled: nothing to do.\n`);
      expect(cancelLater.stdout).toBe(
        `Cancelled Slow ${later.id}: removed from the delayed tasks before it ran.\n`,
      );

      const [shown, cancelledPage, unknownShow, unknownCancel] = await Promise.all([
        runTasks(['show', second.id, '--json', ...cli]),
        runTasks(['list', '--state', 'cancelled', '--json', ...cli]),
        runTasks(['show', 'no-such-task', ...cli]),
        runTasks(['cancel', 'no-such-task', '--json', ...cli]),
      ]);
      expect(json(shown)).toMatchObject({
        state: 'cancelled',
        id: second.id,
        record: { status: 'cancelled', reason: 'cancelled before it ran', startedAt: null },
      });
      expect(json<Page>(cancelledPage).items.map((i) => i.id)).toEqual([later.id, second.id]);
      for (const unknown of [unknownShow, unknownCancel]) {
        expect(unknown.code).toBe(1);
        expect(unknown.stdout).toBe('');
        expect(unknown.stderr).toContain(`tasks: No task 'no-such-task' under prefix '${prefix}'`);
        expect(isOneLineError(unknown)).toBe(true);
      }
      // Only the first task is left to run.
      expect((await app.list({ state: 'queued' })).items.map((i) => i.id)).toEqual([first.id]);
      expect((await app.list({ state: 'delayed' })).items).toEqual([]);
    },
  );
});

describe('a running task, and events from another process', () => {
  it(
    'shows its progress, lists it, cancels it with --wait; events --follow saw it all',
    { timeout: 180_000 },
    async () => {
      const prefix = r.prefix();
      const cli = r.cli(prefix);
      const app = appOf(prefix);
      const follow = startTasks(['events', '--follow', '--json', ...cli], { timeoutMs: 120_000 });
      await follow.waitFor(/Following the events under prefix/, 30_000); // printed once "now" is pinned
      const worker = startTasks(['worker', '--json', ...cli], { timeoutMs: 120_000 });
      try {
        await worker.waitFor(/Worker .* started/, 30_000);
        const handle = await app.submit(new Report({}));
        await waitUntil(
          async () => {
            const task = await app.inspect(handle.id);
            return task?.state === 'running' && JSON.stringify(task.progress) === '{"step":1,"of":2}';
          },
          'the task runs and reports its progress',
          30_000,
        );

        const [shown, running] = await Promise.all([
          runTasks(['show', handle.id, ...cli]),
          runTasks(['list', '--state', 'running', '--json', ...cli]),
        ]);
        expect(shown.stdout).toMatch(/^State\s+running$/m);
        expect(shown.stdout).toMatch(/^Worker\s+\S+:\d+:\S+$/m);
        expect(shown.stdout).toMatch(/^Progress\s+\{"step":1,"of":2\}$/m);
        expect(json<Page>(running).items).toEqual([
          expect.objectContaining({ id: handle.id, name: 'Report', worker: expect.any(String) as string }),
        ]);

        const cancelled = await runTasks(['cancel', handle.id, '--wait', '--json', ...cli]);
        expect(cancelled.code, cancelled.stderr).toBe(0);
        expect(json(cancelled)).toEqual({
          id: handle.id,
          task: 'Report',
          outcome: 'cancelling',
          was: 'running',
          final: 'cancelled',
        });

        await follow.waitFor(new RegExp(`"event":"cancelled"[^\\n]*"taskId":"${handle.id}"`), 30_000);
        const followed = await follow.stop('SIGTERM');
        expect(followed.code, followed.stderr).toBe(0);
        const events = jsonLines(followed.stdout);
        const ofTask = events.filter((e) => e.taskId === handle.id).map((e) => e.event);
        // A worker announces runs in batches, so `progress` may be appended before `started`.
        expect(ofTask[0]).toBe('submitted');
        expect(ofTask.slice(1, 3).sort()).toEqual(['progress', 'started']);
        expect(ofTask.slice(3)).toEqual(['cancelled']);
        expect(events.find((e) => e.event === 'progress')).toMatchObject({ progress: { step: 1, of: 2 } });
        expect(events.map((e) => e.event)).toContain('workerUp');
        const lastId = String(events.at(-1)?.id);
        expect(followed.stderr).toContain(
          `Stopped following after ${events.length} event(s): resume with tasks events --follow --from ${lastId}.`,
        );

        // Without --follow: what is stored, a page at a time, from the start or after an id.
        const [stored, firstTwo] = await Promise.all([
          runTasks(['events', '--json', ...cli]),
          runTasks(['events', '--limit', '2', '--client', 'node-redis', ...cli]),
        ]);
        const all = jsonLines(stored.stdout);
        expect(all.filter((e) => e.taskId === handle.id).map((e) => e.event)).toEqual(ofTask);
        const lines = firstTwo.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(
          new RegExp(`^${String(all[0]?.id)}\\s+\\S+Z\\s+${String(all[0]?.event)}\\s`),
        );
        expect(firstTwo.stderr).toContain(
          `Stopped after 2 event(s) (--limit 2): continue with tasks events --from ${String(all[1]?.id)}`,
        );
        const next = jsonLines(
          (await runTasks(['events', '--from', String(all[1]?.id), '--limit', '1', '--json', ...cli])).stdout,
        );
        expect(next).toEqual([all[2]]);
      } finally {
        if (follow.child.exitCode === null) await follow.stop('SIGTERM');
        const stopped = await worker.stop('SIGTERM');
        expect(stopped.code, stopped.stderr).toBe(0);
      }
    },
  );
});

describe('pause and resume', () => {
  it(
    'a paused stream keeps its tasks queued while the others run; resume lets them run',
    { timeout: 180_000 },
    async () => {
      const prefix = r.prefix();
      const cli = r.cli(prefix);
      const app = appOf(prefix);
      const paused = await runTasks(['pause', '--priority', 'normal', '--json', ...cli]);
      expect(paused.code, paused.stderr).toBe(0);
      const normal = ['small', 'medium', 'large'].map((size) => ({ priority: 'normal', size }));
      expect(json(paused)).toEqual({ action: 'pause', streams: normal, paused: normal });

      const status = await runTasks(['status', ...cli]);
      expect(status.stdout).toMatch(/^Paused\s+normal\/small, normal\/medium, normal\/large$/m);
      expect(status.stdout).toMatch(/^SIZE\s+PRIORITY\s+WAITING\s+RUNNING\s+PAUSED$/m);
      expect(status.stdout).toMatch(/^medium\s+normal\s+0\s+0\s+paused$/m);
      expect(status.stdout).toMatch(/^medium\s+realtime\s+0\s+0$/m);

      const worker = startTasks(['worker', ...cli], { timeoutMs: 120_000 });
      try {
        await worker.waitFor(/Worker .* started/, 30_000);
        const held = await app.submit(new Add({ a: 1, b: 1 }));
        const urgent = await app.submit(new Urgent({}));
        // Unpaused, the worker would have fetched the earlier normal task first.
        expect(await urgent.result({ timeoutMs: 30_000 })).toBe('urgent');
        expect((await app.inspect(held.id))?.state).toBe('queued');

        const resumed = await runTasks(['resume', '--all', ...cli]);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stdout).toMatch(
          /^Resumed realtime\/small, .*background\/large: workers fetch from them again\.$/m,
        );
        expect(resumed.stdout).toMatch(/^Paused now: none\.$/m);
        expect(await held.result({ timeoutMs: 30_000 })).toBe(2);
      } finally {
        const stopped = await worker.stop('SIGTERM');
        expect(stopped.code, stopped.stderr).toBe(0);
      }
    },
  );
});
