// The overview: queue depth, running and paused per priority × size, throughput and failures
// per minute over the last minutes (counted in the finished-task indexes, no scan), workers
// and the scheduler's leader, and the live event log.
import { PRIORITIES, SIZES, type TaskApp } from '@tasks/core';
import { actionForm, href, type Page, type PageContext } from '../context.js';
import { formatDuration, timeAt } from '../format.js';
import { html, type Html } from '../html.js';

const MINUTES = 10;

type Series = { name: string; counts: number[]; bad: boolean };
/** The keys of one shard of the app. */
type ShardKeys = TaskApp['keys']['shards'][number];

/** Finished tasks per minute for the last `MINUTES` minutes, oldest first (summed over the shards). */
async function throughput(app: TaskApp, now: number): Promise<Series[]> {
  const kinds: Array<[string, (k: ShardKeys) => string, boolean]> = [
    ['succeeded', (k) => k.history('succeeded'), false],
    ['failed', (k) => k.history('failed'), true],
    ['dead-lettered', (k) => k.dlq, true],
    ['cancelled', (k) => k.history('cancelled'), false],
  ];
  const minute = (key: string, i: number): Promise<number> => {
    const to = now - (MINUTES - 1 - i) * 60_000;
    return app.redis.command(['ZCOUNT', key, `(${to - 60_000}`, to], { key }).then(Number);
  };
  return Promise.all(
    kinds.map(async ([name, keyOf, bad]) => {
      const perShard = await Promise.all(
        app.keys.shards.map((shard) =>
          Promise.all(Array.from({ length: MINUTES }, (_, i) => minute(keyOf(shard), i))),
        ),
      );
      const counts = Array.from({ length: MINUTES }, (_, i) =>
        perShard.reduce((sum, shard) => sum + (shard[i] ?? 0), 0),
      );
      return { name, counts, bad };
    }),
  );
}

function spark(series: Series): Html {
  const max = Math.max(1, ...series.counts);
  const total = series.counts.reduce((a, b) => a + b, 0);
  return html`<div class="card" data-series="${series.name}">
    <div class="name">${series.name} · last ${MINUTES} min</div>
    <div class="value">${total}</div>
    <div class="spark" title="per minute, oldest first: ${series.counts.join(', ')}">
      ${series.counts.map((c) => html`<span class="${series.bad ? 'bad ' : ''}h${Math.round((c / max) * 10)}"></span>`)}
    </div>
  </div>`;
}

/** @internal */
export async function overviewPage(ctx: PageContext): Promise<Page> {
  const { app, now } = ctx;
  const [status, series] = await Promise.all([app.status(), throughput(app, now)]);
  const cell = (priority: string, size: string): Html => {
    const s = status.streams.find((x) => x.priority === priority && x.size === size);
    if (!s) return html`<td>–</td>`;
    const queued = Math.max(0, s.length - s.pending);
    const selector = { priority, size };
    return html`<td class="num" data-stream="${priority}/${size}">
      <span title="queued">${queued}</span> <span class="muted" title="running">· ${s.pending} running</span>
      ${s.paused ? html` <span class="state paused">paused</span>` : ''}
      <div>
        ${s.paused ? actionForm(ctx, 'resume', selector, 'resume') : actionForm(ctx, 'pause', selector, 'pause')}
      </div>
    </td>`;
  };
  const queued = status.streams.reduce((sum, s) => sum + Math.max(0, s.length - s.pending), 0);
  const cards: Array<[string, number | string, string]> = [
    ['queued', queued, '/tasks?state=queued'],
    ['running', status.running, '/tasks?state=running'],
    ['delayed', status.delayed, '/tasks?state=delayed'],
    ['dead-lettered', status.deadLettered, '/dlq'],
    ['workers alive', status.workers.length, '/workers'],
  ];
  const leader = status.scheduler;
  const body = html`<h1>Overview</h1>
    <div class="cards">
      ${cards.map(
        ([name, value, path]) =>
          html`<a class="card" href="${ctx.base}${path}" data-card="${name}"
            ><div class="value">${value}</div>
            <div class="name">${name}</div></a
          >`,
      )}
    </div>
    <div class="cards">${series.map(spark)}</div>
    <h2>Queues <span class="muted">(queued · running, per priority × size)</span></h2>
    <table class="streams">
      <thead>
        <tr>
          <th>priority</th>
          ${SIZES.map((s) => html`<th class="num">${s}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${PRIORITIES.map(
          (p) =>
            html`<tr>
              <th>${p}</th>
              ${SIZES.map((s) => cell(p, s))}
            </tr>`,
        )}
      </tbody>
    </table>
    <p>${actionForm(ctx, 'pause', {}, 'pause all')} ${actionForm(ctx, 'resume', {}, 'resume all')}</p>
    <h2>Scheduler</h2>
    <p>
      ${
        leader
          ? html`leader <span class="mono">${leader.leader}</span>, fencing token ${leader.fencingToken},
              lease ${formatDuration(leader.leaseMs)} left ·
              <a href="${href(ctx, '/schedules')}">timetable</a>`
          : html`<span class="muted">no scheduler leads now</span>`
      }
    </p>
    <h2>Workers</h2>
    <p>
      ${
        status.workers.length === 0
          ? html`<span class="muted">no worker alive</span>`
          : status.workers.map(
              (w) =>
                html`<span class="label"
                  >${w.host} pid ${w.pid} · ${w.running} running · seen ${timeAt(w.lastSeen, now)}</span
                > `,
            )
      }
    </p>
    <h2>Live events</h2>
    <ol id="event-log" class="events">
      <li class="muted">waiting for events…</li>
    </ol>`;
  return { title: 'Overview', body };
}
