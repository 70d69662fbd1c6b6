// Live workers, from their heartbeat records: host, pid, sizes, running tasks, last heartbeat.
import { arrayOf, taskLink, type Page, type PageContext } from '../context.js';
import { timeAt } from '../format.js';
import { html } from '../html.js';

/** @internal */
export async function workersPage(ctx: PageContext): Promise<Page> {
  const status = await ctx.app.status();
  const rows = status.workers.map(
    (w) =>
      html`<tr data-worker="${w.id}">
        <td class="mono">${w.id}</td>
        <td>${w.host}</td>
        <td class="num">${w.pid}</td>
        <td>${arrayOf(w.sizes).join(', ')}</td>
        <td class="num">${w.running}</td>
        <td>
          ${arrayOf(w.tasks).map((t) => html`<div>${taskLink(ctx, t.id)} ${t.name} <span class="muted">attempt ${t.attempt}, since ${timeAt(t.since, ctx.now)}</span></div>`)}
        </td>
        <td>${timeAt(w.lastSeen, ctx.now)}</td>
      </tr>`,
  );
  const body = html`<h1>Workers <span class="muted">${status.workers.length} alive</span></h1>
    <table class="workers">
      <thead>
        <tr>
          <th>id</th>
          <th>host</th>
          <th class="num">pid</th>
          <th>sizes</th>
          <th class="num">running</th>
          <th>tasks</th>
          <th>heartbeat</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="7" class="muted">No worker alive.</td>
              </tr>`
        }
      </tbody>
    </table>
    <p class="muted">A worker whose heartbeat stops is reaped by the others; its tasks are redelivered.</p>`;
  return { title: 'Workers', body };
}
