import type { DeadLetterEntry } from '@tasks/core';
import { flag, integerOption } from '../args.js';
import type { CommandInput, CommandSpec } from '../command.js';
import { NotFoundError, UsageError, oneLine } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatInstant, truncate } from '../format.js';
import type { Session } from '../session.js';
import { renderPairs, renderTable } from '../table.js';
import { noMoreArgs, safeJson } from './shared.js';

/** `tasks dlq list|show|replay|purge`: the dead-letter queue. */
export const dlqCommand: CommandSpec = {
  name: 'dlq',
  summary: 'list, show, replay or purge dead-lettered tasks',
  usage: ['dlq list [--limit N] [--offset N]', 'dlq show <id>', 'dlq replay <id>', 'dlq purge <id> | --all'],
  description:
    'The dead-letter queue holds tasks that exhausted their retries (when dlqEligible), poison ' +
    "entries and undecodable ones, each with its reason and every attempt's error. `replay` " +
    'submits the task again as a new attempt series (new id, labelled replayOf) and removes the ' +
    'entry; `purge` deletes one entry, or all with --all. A missing id exits with code 1.',
  options: {
    limit: { type: 'string', value: 'N', help: 'list: at most N entries (default 50)' },
    offset: { type: 'string', value: 'N', help: 'list: skip the N oldest entries (default 0)' },
    all: { type: 'boolean', help: 'purge: remove every entry' },
  },
  examples: [
    ['tasks dlq list', 'oldest first'],
    ['tasks dlq show 6f1c…', "the task, its arguments and every attempt's error"],
    ['tasks dlq replay 6f1c…', 'run it again'],
    ['tasks dlq purge --all --json', 'empty it, print how many went'],
  ],
  config: 'optional',
  async run(session, input) {
    const action = input.args[0];
    if (action === 'list') return list(session, input);
    if (action === 'show') return show(session, input);
    if (action === 'replay') return replay(session, input);
    if (action === 'purge') return purge(session, input);
    throw new UsageError(
      action === undefined
        ? 'Missing the dlq action: list, show <id>, replay <id> or purge <id>|--all'
        : `Unknown dlq action '${action}': use list, show <id>, replay <id> or purge <id>|--all`,
    );
  },
};

async function list(session: Session, { args, values }: CommandInput): Promise<ExitCode> {
  noMoreArgs(args, 1, 'dlq list');
  const limit = integerOption(values, 'limit', 50, 1, 10_000);
  const offset = integerOption(values, 'offset', 0);
  await session.redis();
  const [entries, size] = await Promise.all([
    session.app.dlq.list({ limit, offset }),
    session.app.dlq.size(),
  ]);
  if (session.out.json) {
    session.out.print(`[${entries.map((e) => safeJson(e)).join(',')}]`);
    return ExitCode.OK;
  }
  if (entries.length === 0) {
    session.out.print(
      size === 0
        ? 'The dead-letter queue is empty.'
        : `No entries after the first ${offset} (${size} in all).`,
    );
    return ExitCode.OK;
  }
  session.out.print(
    renderTable(
      [
        { header: 'ID' },
        { header: 'TASK' },
        { header: 'AT' },
        { header: 'ATTEMPTS', align: 'right' },
        { header: 'REASON' },
        { header: 'LAST ERROR' },
      ],
      entries.map((e) => [
        e.id,
        e.taskName ?? '?',
        formatInstant(e.at),
        String(e.errors.length),
        truncate(oneLine(e.reason), 40),
        truncate(lastError(e), 60),
      ]),
    ),
  );
  if (offset + entries.length < size)
    session.out.note(`${size - offset - entries.length} more: use --offset ${offset + entries.length}`);
  return ExitCode.OK;
}

function lastError(entry: DeadLetterEntry): string {
  const last = entry.errors.at(-1);
  return last ? oneLine(`${last.name}: ${last.message}`) : '-';
}

async function entryOf(session: Session, args: readonly string[], action: string): Promise<DeadLetterEntry> {
  const id = args[1];
  if (id === undefined)
    throw new UsageError(`Missing the entry id: tasks dlq ${action} <id> (ids: tasks dlq list)`);
  noMoreArgs(args, 2, `dlq ${action}`);
  await session.redis();
  const entry = await session.app.dlq.get(id);
  if (!entry)
    throw new NotFoundError(
      `No dead-letter entry '${id}' under prefix ${session.prefix} (see tasks dlq list)`,
    );
  return entry;
}

async function show(session: Session, { args }: CommandInput): Promise<ExitCode> {
  const entry = await entryOf(session, args, 'show');
  if (session.out.json) {
    session.out.print(safeJson(entry));
    return ExitCode.OK;
  }
  const head = renderPairs([
    ['ID', entry.id],
    ['Task', entry.taskName ?? '?'],
    ['Task id', entry.taskId ?? '-'],
    ['At', formatInstant(entry.at)],
    ['Reason', oneLine(entry.reason)],
    ['Args', truncate(safeJson(entry.args), 200)],
  ]);
  const errors = entry.errors.map(
    (e) => `  attempt ${e.attempt} at ${formatInstant(e.at)}: ${oneLine(`${e.name}: ${e.message}`)}`,
  );
  session.out.print(
    [head, '', `Errors (${entry.errors.length}):`, ...(errors.length ? errors : ['  none recorded'])].join(
      '\n',
    ),
  );
  return ExitCode.OK;
}

async function replay(session: Session, { args }: CommandInput): Promise<ExitCode> {
  const entry = await entryOf(session, args, 'replay');
  const handle = await session.app.dlq.replay(entry.id);
  if (session.out.json) session.out.data({ id: entry.id, task: entry.taskName, taskId: handle.id });
  else session.out.print(`Replayed ${entry.id}: ${entry.taskName ?? 'task'} submitted again as ${handle.id}`);
  return ExitCode.OK;
}

async function purge(session: Session, { args, values }: CommandInput): Promise<ExitCode> {
  const all = flag(values, 'all');
  const id = args[1];
  if (all === (id !== undefined)) throw new UsageError('tasks dlq purge takes either an entry id or --all');
  noMoreArgs(args, 2, 'dlq purge');
  await session.redis();
  const removed = await session.app.dlq.purge(id);
  if (id !== undefined && removed === 0)
    throw new NotFoundError(
      `No dead-letter entry '${id}' under prefix ${session.prefix} (see tasks dlq list)`,
    );
  if (session.out.json) session.out.data({ purged: removed });
  else session.out.print(`Purged ${removed} entr${removed === 1 ? 'y' : 'ies'}.`);
  return ExitCode.OK;
}
