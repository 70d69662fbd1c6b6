// Tasks by state, a page at a time (`app.list` cursors). A name or label filter reads whole
// pages and keeps the matches, up to a bounded number of tasks per request: never a scan.
import { TASK_LIST_STATES, type TaskListState, type TaskPage, type TaskSummary } from '@tasks/core';
import { href, labelBadges, nextLink, taskLink, type Page, type PageContext } from '../context.js';
import { timeAt } from '../format.js';
import { html, type Html } from '../html.js';

/** @internal Every state the tasks page lists: those of `app.list`. */
export const STATES: readonly TaskListState[] = TASK_LIST_STATES;

const PAGE_SIZE = 50;
/** Most tasks one filtered request reads before it offers the next page. */
const FILTER_BUDGET = 2_000;

/** @internal A `key=value` label filter, parsed. */
function labelFilter(text: string): [string, string | null] | null {
  if (!text) return null;
  const eq = text.indexOf('=');
  return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
}

function matches(item: TaskSummary, name: string, label: [string, string | null] | null): boolean {
  if (name && item.name !== name) return false;
  if (label) {
    const value = item.labels[label[0]];
    if (value === undefined || (label[1] !== null && value !== label[1])) return false;
  }
  return true;
}

/** @internal Reads one page of `state`, filtered; the cursor continues after what was read. */
export async function readFiltered(
  ctx: PageContext,
  state: TaskListState,
  cursor: string | null,
  name: string,
  label: [string, string | null] | null,
): Promise<TaskPage & { scanned: number }> {
  if (!name && !label) return { ...(await ctx.app.list({ state, limit: PAGE_SIZE, cursor })), scanned: 0 };
  const items: TaskSummary[] = [];
  let scanned = 0;
  let next: string | null = cursor;
  do {
    const page = await ctx.app.list({ state, limit: 500, cursor: next });
    scanned += page.items.length;
    items.push(...page.items.filter((item) => matches(item, name, label)));
    next = page.cursor;
  } while (next !== null && items.length < PAGE_SIZE && scanned < FILTER_BUDGET);
  return { items, cursor: next, scanned };
}

function extra(ctx: PageContext, item: TaskSummary): Html {
  switch (item.state) {
    case 'queued':
      return html`${item.priority} / ${item.size}`;
    case 'delayed':
      return html`due ${timeAt(item.dueAt, ctx.now)} → ${item.priority} / ${item.size}`;
    case 'running':
      return html`<span class="mono">${item.worker}</span>`;
    default:
      return html`${timeAt(item.finishedAt, ctx.now)}
      ${item.reason ? html`<span class="muted">${item.reason}</span>` : ''}`;
  }
}

/** @internal */
export async function tasksPage(ctx: PageContext): Promise<Page> {
  const q = ctx.url.searchParams;
  const requested = q.get('state') ?? 'queued';
  const state = (STATES as readonly string[]).includes(requested) ? (requested as TaskListState) : 'queued';
  const name = (q.get('name') ?? '').trim();
  const labelText = (q.get('label') ?? '').trim();
  const page = await readFiltered(ctx, state, q.get('cursor'), name, labelFilter(labelText));
  const tabs = STATES.map(
    (s) =>
      html`<a
        href="${href(ctx, '/tasks', { state: s, name, label: labelText })}"
        class="${s === state ? 'active' : ''}"
        >${s}</a
      >`,
  );
  const names = ctx.app.taskNames;
  const rows = page.items.map(
    (item) =>
      html`<tr data-task-id="${item.id}">
        <td>${taskLink(ctx, item.id)}</td>
        <td>${item.name}</td>
        <td>${labelBadges(item.labels)}</td>
        <td class="num">${item.attempt}</td>
        <td>${timeAt(item.submittedAt, ctx.now)}</td>
        <td>${extra(ctx, item)}</td>
      </tr>`,
  );
  const body = html`<h1>Tasks <span class="muted">${state}</span></h1>
    <nav class="tabs">${tabs}</nav>
    <form class="filter" method="get" action="${href(ctx, '/tasks')}">
      <input type="hidden" name="state" value="${state}" />
      <input type="text" name="name" placeholder="task name" value="${name}" list="task-names" />
      <datalist id="task-names">${names.map((n) => html`<option value="${n}"></option>`)}</datalist>
      <input type="text" name="label" placeholder="label key or key=value" value="${labelText}" />
      <button type="submit">filter</button>
      ${name || labelText ? html`<a href="${href(ctx, '/tasks', { state })}">clear</a>` : ''}
    </form>
    <table class="tasks">
      <thead>
        <tr>
          <th>id</th>
          <th>task</th>
          <th>labels</th>
          <th class="num">attempt</th>
          <th>submitted</th>
          <th>
            ${state === 'queued' ? 'stream' : state === 'delayed' ? 'due' : state === 'running' ? 'worker' : 'finished'}
          </th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="6" class="muted">
                  no ${state} task${name || labelText ? ' matches on this page' : ''}
                </td>
              </tr>`
        }
      </tbody>
    </table>
    ${page.scanned ? html`<p class="muted">${page.items.length} match(es) among ${page.scanned} tasks read.</p>` : ''}
    ${page.cursor ? nextLink(ctx, { cursor: page.cursor }) : ''}
    ${q.get('cursor') ? html` <a href="${href(ctx, '/tasks', { state, name, label: labelText })}">first page</a>` : ''}`;
  return { title: `Tasks: ${state}`, body };
}
