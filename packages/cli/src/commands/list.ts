import { TASK_LIST_STATES, type TaskListState, type TaskSummary } from '@tasks/core';
import { integerOption, stringOption, type OptionValues } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError, oneLine } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields, formatInstant, truncate } from '../format.js';
import { renderTable, type Column } from '../table.js';
import { noMoreArgs } from './shared.js';
import { noteEmptyPrefix } from './status.js';

/** The states `tasks list --state` takes: those of `app.list`. */
export const LIST_STATES = TASK_LIST_STATES;

/** Most tasks one page may hold (the core's own cap). */
export const MAX_LIST_LIMIT = 1000;

/** `tasks list --state S`: a page of tasks in one state, with the cursor of the next page. */
export const listCommand: CommandSpec = {
  name: 'list',
  summary: 'tasks in one state (queued, delayed, running, finished), a page at a time',
  usage: [`list --state ${LIST_STATES.join('|')} [--limit N] [--cursor C]`],
  description:
    'Lists the tasks under --prefix in one state, a page at a time, without scanning Redis: ' +
    'queued (not yet delivered, stream by stream in queue order), delayed (soonest due first), ' +
    'running (delivered to a worker, not yet finished), and the finished ones — succeeded, ' +
    'failed, cancelled (newest first, as many as the app keeps: historyMaxLen) and ' +
    'dead-lettered (oldest first). When more tasks follow, the command for the next page is ' +
    `printed on stderr (with --json: the "cursor" field; null on the last page). --limit is 1 to ` +
    `${MAX_LIST_LIMIT}, default 50. Works without a config file.`,
  options: {
    state: { type: 'string', value: 'STATE', help: `one of ${LIST_STATES.join(', ')} (required)` },
    limit: {
      type: 'string',
      value: 'N',
      help: `at most N tasks per page, 1 to ${MAX_LIST_LIMIT} (default 50)`,
    },
    cursor: { type: 'string', value: 'C', help: 'the cursor printed by the previous page' },
  },
  examples: [
    ['tasks list --state queued', 'the first 50 waiting tasks, in queue order'],
    ['tasks list --state failed --limit 10 --json', 'the 10 latest failures, as JSON'],
    ['tasks list --state queued --cursor 4/1764662400000-0', 'the next page'],
  ],
  config: 'optional',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'list');
    const state = stateOf(values);
    const limit = integerOption(values, 'limit', 50, 1, MAX_LIST_LIMIT);
    const cursor = cursorOf(values, state);
    await session.redis();
    const page = await session.app.list({ state, limit, cursor });
    if (session.out.json) {
      session.out.data({ state, items: page.items, cursor: page.cursor });
      return ExitCode.OK;
    }
    if (page.items.length === 0) {
      session.out.print(cursor === null ? `No ${state} tasks.` : `No more ${state} tasks.`);
      if (cursor === null) await noteEmptyPrefix(session);
      return ExitCode.OK;
    }
    session.out.print(renderPage(state, page.items));
    if (page.cursor !== null) {
      const limitArg = limit === 50 ? '' : ` --limit ${limit}`;
      session.out.note(`More: tasks list --state ${state}${limitArg} --cursor ${page.cursor}`);
    }
    return ExitCode.OK;
  },
};

function stateOf(values: OptionValues): TaskListState {
  const state = stringOption(values, 'state');
  if (state === undefined)
    throw new UsageError(`Missing --state: one of ${LIST_STATES.join(', ')} (tasks list --help)`);
  if (!(LIST_STATES as readonly string[]).includes(state))
    throw new UsageError(`--state must be one of ${LIST_STATES.join(', ')}, got '${state}'`);
  return state as TaskListState;
}

/**
 * The `--cursor` of the previous page, checked here: the core reads a malformed one as "the
 * end" (queued, running) or sends Redis a command it refuses (the others).
 */
function cursorOf(values: OptionValues, state: TaskListState): string | null {
  const cursor = stringOption(values, 'cursor');
  if (cursor === undefined) return null;
  const streams = state === 'queued' || state === 'running';
  const ok = streams ? /^\d{1,3}\.[0-8]\/\d+-\d+$/.test(cursor) : /^\d{1,15}(,\d{1,15})*$/.test(cursor);
  if (ok) return cursor;
  const shape = streams ? 'like 0.4/1764662400000-0' : 'whole numbers, one per shard, comma-separated';
  throw new UsageError(
    `--cursor for --state ${state} must be the cursor a previous page printed (${shape}), got '${cursor}'`,
  );
}

function stream(item: TaskSummary): string {
  return item.priority && item.size ? `${item.priority}/${item.size}` : '-';
}

function labels(item: TaskSummary): string {
  return truncate(formatFields(item.labels), 40);
}

/** The table of a page: columns that say something for the state. */
function renderPage(state: TaskListState, items: readonly TaskSummary[]): string {
  const id: Column = { header: 'ID' };
  const task: Column = { header: 'TASK' };
  const attempt: Column = { header: 'ATTEMPT', align: 'right' };
  if (state === 'queued' || state === 'delayed' || state === 'running') {
    const extra: Column =
      state === 'delayed'
        ? { header: 'DUE' }
        : state === 'running'
          ? { header: 'WORKER' }
          : { header: 'SUBMITTED' };
    return renderTable(
      [id, task, { header: 'STREAM' }, attempt, extra, { header: 'LABELS' }],
      items.map((item) => [
        item.id,
        item.name,
        stream(item),
        String(item.attempt),
        state === 'delayed'
          ? formatInstant(item.dueAt ?? 0)
          : state === 'running'
            ? (item.worker ?? '-')
            : formatInstant(item.submittedAt),
        labels(item),
      ]),
    );
  }
  return renderTable(
    [id, task, attempt, { header: 'FINISHED' }, { header: 'REASON' }],
    items.map((item) => [
      item.id,
      item.name,
      String(item.attempt),
      formatInstant(item.finishedAt ?? 0),
      item.reason ? truncate(oneLine(item.reason), 60) : '-',
    ]),
  );
}
