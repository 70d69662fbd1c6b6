// The scheduler's stored timetable: next run, last run and its outcome, skipped overlaps,
// status, and who leads with how much lease left.
import type { TaskResultRecord } from '@tasks/core';
import { taskLink, type Page, type PageContext } from '../context.js';
import { formatDuration, timeAt } from '../format.js';
import { html } from '../html.js';

/** @internal */
export async function schedulesPage(ctx: PageContext): Promise<Page> {
  const { app, now } = ctx;
  const timetable = await app.timetable();
  // The outcome of each entry's last run: one GET per entry (the timetable is small).
  const outcomes = await Promise.all(
    timetable.entries.map((e) =>
      e.lastRun ? app.getResult(e.lastRun.taskId) : Promise.resolve<TaskResultRecord | null>(null),
    ),
  );
  const rows = timetable.entries.map((e, i) => {
    const outcome = outcomes[i];
    return html`<tr data-schedule="${e.task}">
      <td>${e.task}${e.vo ? html` <span class="label">vo=${e.vo}</span>` : ''}</td>
      <td>
        <span class="state ${e.status}">${e.status}</span
        >${e.error ? html`<div class="muted">${e.error}</div>` : ''}
      </td>
      <td>${e.description}</td>
      <td>${timeAt(e.next, now)}</td>
      <td>
        ${e.lastRun ? html`${timeAt(e.lastRun.occurrence, now)} ${taskLink(ctx, e.lastRun.taskId, 'task')} ${outcome ? html`<span class="state ${outcome.status}">${outcome.status}</span>` : html`<span class="muted">not finished</span>`}` : html`<span class="muted">never</span>`}
      </td>
      <td class="num">
        ${e.skipped}${e.lastSkip ? html`<div class="muted">last ${timeAt(e.lastSkip.at, now)}: ${e.lastSkip.reason}</div>` : ''}
      </td>
      <td>${timeAt(e.since, now)}</td>
    </tr>`;
  });
  const leader = timetable.leader;
  const body = html`<h1>Schedules</h1>
    <p>
      ${leader ? html`Leader <span class="mono">${leader.instanceId}</span> · fencing token ${leader.fencingToken} · lease ${formatDuration(leader.leaseMs)} left` : html`<span class="muted">No scheduler leads now: periodic tasks are not being submitted.</span>`}
    </p>
    <table class="schedules">
      <thead>
        <tr>
          <th>task</th>
          <th>status</th>
          <th>schedule</th>
          <th>next run</th>
          <th>last run</th>
          <th class="num">skipped</th>
          <th>since</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="7" class="muted">No entry yet: entries appear once a scheduler has led.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return { title: 'Schedules', body };
}
