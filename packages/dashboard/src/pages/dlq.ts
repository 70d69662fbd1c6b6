// The dead-letter queue: entries a page at a time (oldest first), one entry in full, and
// replay / purge (each purge with a confirmation box).
import {
  actionForm,
  href,
  labelBadges,
  nextLink,
  taskLink,
  type Page,
  type PageContext,
} from '../context.js';
import { timeAt } from '../format.js';
import { html, jsonText } from '../html.js';
import { errorList } from './task.js';

const PAGE_SIZE = 50;

/** @internal */
export async function dlqPage(ctx: PageContext): Promise<Page> {
  const offset = Math.max(0, Math.floor(Number(ctx.url.searchParams.get('offset') ?? 0)) || 0);
  const [size, entries] = await Promise.all([
    ctx.app.dlq.size(),
    ctx.app.dlq.list({ offset, limit: PAGE_SIZE }),
  ]);
  const rows = entries.map((e) => {
    const last = e.errors[e.errors.length - 1];
    return html`<tr data-dlq-id="${e.id}">
      <td><a class="mono" href="${href(ctx, `/dlq/${encodeURIComponent(e.id)}`)}">${e.id}</a></td>
      <td>${e.taskName ?? html`<span class="muted">?</span>`}</td>
      <td>${labelBadges(e.record.labels)}</td>
      <td>${e.reason}</td>
      <td>${last ? html`<strong>${last.name}</strong> ${last.message}` : ''}</td>
      <td>${timeAt(e.at, ctx.now)}</td>
      <td>${actionForm(ctx, 'dlq-replay', { id: e.id }, 'replay')}</td>
    </tr>`;
  });
  const body = html`<h1>
      Dead-letter queue <span class="muted">${size} entr${size === 1 ? 'y' : 'ies'}</span>
    </h1>
    ${ctx.access.writable && !ctx.access.signedIn ? html`<p class="muted"><a href="${href(ctx, '/login')}">Sign in</a> to replay or purge.</p>` : ''}
    <table class="dlq">
      <thead>
        <tr>
          <th>id</th>
          <th>task</th>
          <th>labels</th>
          <th>reason</th>
          <th>last error</th>
          <th>dead-lettered</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="7" class="muted">empty</td>
              </tr>`
        }
      </tbody>
    </table>
    <p class="muted">
      ${size ? `entries ${offset + 1}–${offset + entries.length} of ${size}, oldest first` : ''}
    </p>
    ${offset + entries.length < size ? nextLink(ctx, { offset: offset + PAGE_SIZE }) : ''}
    ${offset > 0 ? html` <a href="${href(ctx, '/dlq')}">first page</a>` : ''}
    ${
      size > 0
        ? html`<h2>Purge everything</h2>
            ${actionForm(ctx, 'dlq-purge', {}, `purge all ${size}`, { confirm: 'yes, delete every entry', danger: true })}`
        : ''
    }`;
  return { title: 'DLQ', body };
}

/** @internal */
export async function dlqEntryPage(ctx: PageContext, id: string): Promise<Page> {
  const e = await ctx.app.dlq.get(id);
  if (!e)
    return {
      title: 'DLQ entry',
      status: 404,
      body: html`<h1>DLQ entry <span class="mono">${id}</span></h1>
        <p class="error">No such entry (it may have been replayed or purged).</p>`,
    };
  const body = html`<h1>DLQ entry <span class="mono">${e.id}</span></h1>
    <dl class="fields">
      <dt>task</dt>
      <dd>${e.taskName ?? '?'} ${taskLink(ctx, e.taskId)}</dd>
      <dt>reason</dt>
      <dd>${e.reason}</dd>
      <dt>dead-lettered</dt>
      <dd>${timeAt(e.at, ctx.now)}</dd>
      <dt>attempts</dt>
      <dd>${e.record.attempts}</dd>
      <dt>labels</dt>
      <dd>${labelBadges(e.record.labels)}</dd>
    </dl>
    <p>
      ${actionForm(ctx, 'dlq-replay', { id: e.id }, 'replay as a new task')}
      ${actionForm(ctx, 'dlq-purge', { id: e.id }, 'purge', { confirm: 'yes, delete this entry', danger: true })}
    </p>
    <h2>Arguments</h2>
    <pre class="args">${jsonText(e.args)}</pre>
    <h2>Errors</h2>
    ${errorList(e.errors, ctx.now)}
    <details>
      <summary>raw payload</summary>
      <pre>${e.payload}</pre>
    </details>`;
  return { title: `DLQ ${id}`, body, live: `task:${id}` };
}
