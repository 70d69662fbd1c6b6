// One task: where it is now (queued, delayed, running) with its args, labels, progress and
// held locks, or its outcome record (value, every attempt's error with its stack, timings).
import type { TaskErrorRecord, TaskInspection, TaskResultRecord } from '@tasks/core';
import { actionForm, arrayOf, href, labelBadges, taskLink, type Page, type PageContext } from '../context.js';
import { formatDuration, timeAt } from '../format.js';
import { html, jsonText, type Html } from '../html.js';

function field(name: string, value: unknown): Html {
  return html`<dt>${name}</dt>
    <dd>${value}</dd>`;
}

function groupLink(ctx: PageContext, groupId: string | null | undefined): Html {
  return groupId
    ? html`<a class="mono" href="${href(ctx, '/groups', { id: groupId })}">${groupId}</a>`
    : html`<span class="muted">–</span>`;
}

/** @internal Every attempt's error, each with its stack. */
export function errorList(errors: readonly TaskErrorRecord[], now: number): Html {
  if (errors.length === 0) return html`<p class="muted">no error recorded</p>`;
  return html`${errors.map(
    (e) =>
      html`<details class="attempt-error">
        <summary>
          attempt ${e.attempt}: <strong>${e.name}</strong> ${e.message}
          <span class="muted">${timeAt(e.at, now)}</span>
        </summary>
        <pre>${e.stack ?? '(no stack)'}</pre>
      </details>`,
  )}`;
}

function live(ctx: PageContext, t: Exclude<TaskInspection, { record: TaskResultRecord }>): Html {
  const now = ctx.now;
  const where =
    t.state === 'queued'
      ? html`${field('stream', `${t.priority} / ${t.size}`)}${field('position', t.position === null ? 'more than 10 000 ahead' : `${t.position} ahead`)}${field('entry', t.entryId)}`
      : t.state === 'delayed'
        ? html`${field('due', timeAt(t.dueAt, now))}${field('then on', `${t.priority} / ${t.size}`)}`
        : html`${field('stream', `${t.priority} / ${t.size}`)}${field('worker', html`<span class="mono">${t.worker}</span>`)}
          ${field('running since', timeAt(t.since, now))}${field('deliveries', t.deliveries)}
          ${field('progress', t.progress === null ? html`<span class="muted">none reported</span>` : html`<code>${jsonText(t.progress, 2_000)}</code>`)}`;
  const locks =
    t.state === 'running'
      ? html`<h2>Locks it holds</h2>
          ${
            arrayOf(t.locks).length
              ? html`<ul>
                  ${arrayOf(t.locks).map((key) => html`<li><a class="mono" href="${href(ctx, '/locks', { key })}">${key}</a></li>`)}
                </ul>`
              : html`<p class="muted">none</p>`
          }`
      : '';
  return html`<dl class="fields">
      ${field('state', html`<span class="state ${t.state}">${t.state}</span>`)}${field('task', t.name)}
      ${field('attempt', t.attempt)}${field('submitted', timeAt(t.submittedAt, now))}${where}
      ${field('labels', labelBadges(t.labels))}${field('parent', taskLink(ctx, t.parentId))}${field('group', groupLink(ctx, t.groupId))}
    </dl>
    ${actionForm(ctx, 'cancel', { id: t.id }, t.state === 'running' ? 'cancel (abort the run)' : 'cancel', { danger: true })}
    <h2>Arguments</h2>
    <pre class="args">${t.args === undefined ? '(unreadable entry)' : jsonText(t.args)}</pre>
    ${
      t.errors?.length
        ? html`<h2>Errors of earlier attempts</h2>
            ${errorList(t.errors, now)}`
        : ''
    }
    ${locks}`;
}

function finished(ctx: PageContext, r: TaskResultRecord): Html {
  const now = ctx.now;
  return html`<dl class="fields">
      ${field('state', html`<span class="state ${r.status}">${r.status}</span>`)}${field('task', r.name)}
      ${field('reason', r.reason ?? html`<span class="muted">–</span>`)}
      ${field('attempts', r.attempts)}${field('deliveries of the last', r.deliveries)}
      ${field('submitted', timeAt(r.submittedAt, now))}${field('started', timeAt(r.startedAt, now))}
      ${field('finished', timeAt(r.finishedAt, now))}${field('last run took', formatDuration(r.durationMs))}
      ${field('worker', r.worker ? html`<span class="mono">${r.worker}</span>` : html`<span class="muted">–</span>`)}
      ${field('labels', labelBadges(r.labels))}${field('parent', taskLink(ctx, r.parentId))}${field('group', groupLink(ctx, r.groupId))}
      ${r.status === 'dead-lettered' ? field('dead-letter entry', html`<a href="${href(ctx, `/dlq/${encodeURIComponent(r.id)}`)}">open in the DLQ</a>`) : ''}
    </dl>
    ${
      r.status === 'succeeded'
        ? html`<h2>Value</h2>
            <pre class="value">${jsonText(r.value)}</pre>`
        : ''
    }
    <h2>Errors</h2>
    ${errorList(r.errors, now)}
    <p class="muted">Locks are listed while a task runs (from its worker's heartbeat).</p>`;
}

/** @internal */
export async function taskPage(ctx: PageContext, id: string): Promise<Page> {
  const t = await ctx.app.inspect(id);
  if (!t)
    return {
      title: 'Unknown task',
      status: 404,
      live: `task:${id}`,
      body: html`<h1>Task <span class="mono">${id}</span></h1>
        <p class="error">No task has this id (or its result expired).</p>`,
    };
  const body = 'record' in t ? finished(ctx, t.record) : live(ctx, t);
  return {
    title: `Task ${id}`,
    live: `task:${id}`,
    body: html`<h1>Task <span class="mono">${id}</span></h1>
      ${body}`,
  };
}
