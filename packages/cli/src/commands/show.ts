import type { TaskInspection, TaskResultRecord } from '@tasks/core';
import type { CommandSpec } from '../command.js';
import { NotFoundError, UsageError, oneLine } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration, formatFields, formatInstant, truncate } from '../format.js';
import type { Session } from '../session.js';
import { renderPairs } from '../table.js';
import { noMoreArgs, safeJson } from './shared.js';

/** `tasks show <id>`: where a task is now, or how it ended. */
export const showCommand: CommandSpec = {
  name: 'show',
  summary: 'one task by id: queued, delayed, running (progress, locks) or how it ended',
  usage: ['show <id>'],
  description:
    'Looks a task up by id under --prefix. A queued task shows its stream (priority/size) and ' +
    'how many tasks are ahead of it; a delayed one when it is due; a running one its worker, ' +
    'since when, its attempt, the locks it holds and its last progress (ctx.progress); a ' +
    "finished one its outcome record: status, reason, result, every failed attempt's error, " +
    'durations. An id no task has (never submitted under this prefix, or its outcome expired) ' +
    'exits with code 1. Works without a config file.',
  options: {},
  examples: [
    ['tasks show 6f1c2a4e-…', 'where it is, or how it ended'],
    ['tasks show 6f1c2a4e-… --json | jq .progress', 'the progress a running task reported'],
  ],
  config: 'optional',
  async run(session, { args }) {
    const id = args[0];
    if (id === undefined)
      throw new UsageError(
        'Missing the task id: tasks show <id> (submit prints it; tasks list --state … lists them)',
      );
    noMoreArgs(args, 1, 'show');
    await session.redis();
    const task = await session.app.inspect(id);
    if (!task) throw unknownTask(session, id);
    if (session.out.json) session.out.print(safeJson(task));
    else session.out.print(renderInspection(task, Date.now()));
    return ExitCode.OK;
  },
};

/** The error for an id no task has under the session's prefix. */
export function unknownTask(session: Session, id: string): NotFoundError {
  return new NotFoundError(
    `No task '${id}' under prefix '${session.prefix}' at ${session.shownUrl}: never submitted there, ` +
      'or its outcome expired (see tasks list --state …)',
  );
}

/** `in 3.0 s` / `2.0 s ago` relative to `now`. */
function relative(at: number, now: number): string {
  const ms = at - now;
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

function when(at: number | null, now: number): string {
  return at === null || at <= 0 ? '-' : `${formatInstant(at)} (${relative(at, now)})`;
}

function labels(value: Readonly<Record<string, string>>): string {
  return Object.keys(value).length === 0 ? '-' : truncate(formatFields(value), 200);
}

/** The human view of `app.inspect(id)`. */
export function renderInspection(task: TaskInspection, now: number): string {
  if (!('name' in task)) return renderRecord(task.record, now);
  const pairs: Array<[string, string]> = [
    ['ID', task.id],
    ['Task', task.name],
    ['State', task.state],
    ['Stream', `${task.priority}/${task.size}`],
    ['Attempt', task.attempt === 0 ? '0 (first run)' : `${task.attempt} (retry ${task.attempt})`],
  ];
  if (task.state === 'queued')
    pairs.push([
      'Position',
      task.position === null ? 'more than 10000 tasks ahead' : `${task.position} task(s) ahead of it`,
    ]);
  if (task.state === 'delayed') pairs.push(['Due', when(task.dueAt, now)]);
  if (task.state === 'running')
    pairs.push(
      ['Worker', task.worker],
      ['Running since', task.since === null ? "- (its worker's next heartbeat says)" : when(task.since, now)],
      ['Deliveries', String(task.deliveries)],
      ['Locks', task.locks.length === 0 ? 'none' : task.locks.join(', ')],
      ['Progress', task.progress === null ? '-' : truncate(safeJson(task.progress), 200)],
    );
  pairs.push(
    ['Submitted', when(task.submittedAt, now)],
    ['Labels', labels(task.labels)],
    ['Parent', task.parentId ?? '-'],
  );
  return renderPairs(pairs);
}

function renderRecord(record: TaskResultRecord, now: number): string {
  const pairs: Array<[string, string]> = [
    ['ID', record.id],
    ['Task', record.name],
    ['State', record.status],
  ];
  if (record.reason !== null) pairs.push(['Reason', oneLine(record.reason)]);
  if (record.status === 'succeeded') pairs.push(['Result', truncate(safeJson(record.value), 200)]);
  pairs.push(
    ['Attempts', String(record.attempts)],
    ['Deliveries', String(record.deliveries)],
    ['Submitted', when(record.submittedAt, now)],
    ['Started', when(record.startedAt, now)],
    ['Finished', when(record.finishedAt, now)],
    ['Duration', record.startedAt === null ? '- (never ran)' : formatDuration(record.durationMs)],
    ['Worker', record.worker ?? '-'],
    ['Labels', labels(record.labels)],
    ['Parent', record.parentId ?? '-'],
    ['Group', record.groupId ?? '-'],
  );
  const errors = record.errors.map(
    (e) => `  attempt ${e.attempt} at ${formatInstant(e.at)}: ${oneLine(`${e.name}: ${e.message}`)}`,
  );
  return [
    renderPairs(pairs),
    '',
    `Errors (${errors.length}):`,
    ...(errors.length ? errors : ['  none']),
  ].join('\n');
}
