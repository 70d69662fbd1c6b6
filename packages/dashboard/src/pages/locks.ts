// Locks: every lock the running tasks hold (worked out from their classes and arguments, and
// read from their workers' heartbeats: no scan), and any lock by its key. For each: holders
// with owner metadata and TTL, waiters (in the lock's line and tasks parked on it), the
// fencing-token counter, limiter usage.
import type { TaskApp } from '@tasks/core';
import { inspectLockKey, lockKeys, lockKindOf, type LockInfo } from '@tasks/locks';
import { arrayOf, href, taskLink, type Page, type PageContext } from '../context.js';
import { formatDuration } from '../format.js';
import { html, jsonText, type Html } from '../html.js';

/** Most locks one page reads. */
const MAX_LOCKS = 200;
/** Most running tasks whose locks one page works out. */
const RUNNING_READ = 50;

interface LockView {
  readonly info: LockInfo;
  readonly waiting: number;
  readonly parked: number;
  readonly fence: string | null;
  readonly tasks: readonly string[];
}

async function view(ctx: PageContext, key: string, tasks: readonly string[]): Promise<LockView | null> {
  const { app } = ctx;
  const info = await inspectLockKey(app.redis, key);
  if (!info) return null;
  const keys = lockKeys(key);
  const count = (k: string): Promise<number> => app.redis.command(['ZCARD', k], { key: k }).then(Number);
  // Tasks refused by the lock are parked on the shard of each task: count them on every shard.
  const parkedCounts = Promise.all(app.keys.shards.map((s) => count(s.parked(key)))).then((n) =>
    n.reduce((a, b) => a + b, 0),
  );
  const [queue, readers, parked, fence] = await Promise.all([
    count(keys.queue),
    count(keys.readers),
    parkedCounts,
    app.redis.command(['GET', keys.fence], { key: keys.fence }),
  ]);
  return { info, waiting: queue + readers, parked, fence: typeof fence === 'string' ? fence : null, tasks };
}

function holders(ctx: PageContext, v: LockView): Html {
  if (v.info.holders.length === 0) return html`<span class="muted">free</span>`;
  return html`${v.info.holders.map((h) => {
    const task = typeof h.metadata?.['task'] === 'string' ? h.metadata['task'] : null;
    return html`<div class="holder">
      <span class="label">${h.role}</span> <span class="mono owner">${h.ownerId}</span> ·
      ${formatDuration(h.ttlMs)} left ${task ? html`· task ${taskLink(ctx, task)}` : ''}
      ${h.metadata ? html`<div class="muted mono">${jsonText(h.metadata, 500)}</div>` : ''}
    </div>`;
  })}`;
}

function row(ctx: PageContext, v: LockView): Html {
  const usage =
    v.info.kind === 'rate'
      ? `${v.info.used ?? 0} unit(s) in the window`
      : v.info.kind === 'concurrency'
        ? `${v.info.holders.length} slot(s) in use`
        : '';
  return html`<tr data-lock="${v.info.key}">
    <td class="mono"><a href="${href(ctx, '/locks', { key: v.info.key })}">${v.info.key}</a></td>
    <td>${v.info.kind}</td>
    <td>${holders(ctx, v)}</td>
    <td class="num">
      ${v.waiting}${v.parked ? html`<div class="muted">${v.parked} task(s) parked</div>` : ''}
    </td>
    <td class="num">${v.fence ?? html`<span class="muted">–</span>`}</td>
    <td>${usage}</td>
  </tr>`;
}

/**
 * The lock keys of the first running tasks, from their classes (`app.locksOf`) and arguments:
 * current at once, where the workers' heartbeats lag by up to a third of their idle timeout.
 * A task whose class this app does not register, or that cannot be built, is left out.
 */
async function locksOfRunning(ctx: PageContext): Promise<Array<[string, string[]]>> {
  const running = await ctx.app.list({ state: 'running', limit: RUNNING_READ });
  const found = await Promise.all(
    running.items.map(async (item): Promise<[string, string[]]> => {
      const t = await ctx.app.inspect(item.id);
      if (!t || !('args' in t) || t.args === undefined) return [item.id, []];
      try {
        const cls = ctx.app.taskClass(t.name) as unknown as new (
          args: unknown,
        ) => Parameters<TaskApp['locksOf']>[0];
        const locks = ctx.app.locksOf(new cls(t.args)).filter((lock) => lock.enabled);
        return [item.id, locks.map((lock) => lock.redisKey)];
      } catch {
        return [item.id, []];
      }
    }),
  );
  return found;
}

/** @internal */
export async function locksPage(ctx: PageContext): Promise<Page> {
  const wanted = (ctx.url.searchParams.get('key') ?? '').trim();
  const byKey = new Map<string, string[]>();
  const add = (key: string, taskId: string): void => {
    const tasks = byKey.get(key) ?? [];
    if (!tasks.includes(taskId)) byKey.set(key, [...tasks, taskId]);
  };
  if (wanted) byKey.set(wanted, []);
  else {
    const [status, computed] = await Promise.all([ctx.app.status(), locksOfRunning(ctx)]);
    for (const w of status.workers)
      for (const t of arrayOf(w.tasks)) for (const key of arrayOf(t.locks)) add(key, t.id);
    for (const [taskId, keys] of computed) for (const key of keys) add(key, taskId);
  }
  const keys = [...byKey.keys()].sort().slice(0, MAX_LOCKS);
  const views = (await Promise.all(keys.map((key) => view(ctx, key, byKey.get(key) ?? [])))).filter(
    (v): v is LockView => v !== null,
  );
  const notLock = wanted && !lockKindOf(wanted);
  const body = html`<h1>Locks</h1>
    <form class="filter" method="get" action="${href(ctx, '/locks')}">
      <input
        type="text"
        name="key"
        size="60"
        placeholder="a lock's key, e.g. {tasks}:lock:mutex:task:Report"
        value="${wanted}"
      />
      <button type="submit">inspect</button>
      ${wanted ? html`<a href="${href(ctx, '/locks')}">held by running tasks</a>` : ''}
    </form>
    <p class="muted">
      ${wanted ? (notLock ? 'That key is not a lock’s main key (lock:mutex:…, lock:rw:…, limiter:conc:…, limiter:rate:…).' : '') : 'Locks held by the running tasks (the locks of their classes, and their workers’ last heartbeat).'}
    </p>
    <table class="locks">
      <thead>
        <tr>
          <th>key</th>
          <th>kind</th>
          <th>holders (owner, TTL, metadata)</th>
          <th class="num">waiters</th>
          <th class="num">fencing token</th>
          <th>usage</th>
        </tr>
      </thead>
      <tbody>
        ${
          views.length
            ? views.map((v) => row(ctx, v))
            : html`<tr>
                <td colspan="6" class="muted">${wanted ? 'no such lock' : 'no running task holds a lock'}</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return { title: 'Locks', body };
}
