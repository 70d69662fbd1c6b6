import type { StreamedEvent } from '@tasks/core';
import { flag, integerOption, stringOption, type OptionValues } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { eventJson, eventLine } from '../event-lines.js';
import { ExitCode } from '../exit-codes.js';
import type { Session } from '../session.js';
import { noMoreArgs, onStopSignal } from './shared.js';

/** Most events one run without `--follow` prints by default. */
const DEFAULT_LIMIT = 100;
/** Bound of `--limit`. */
const MAX_LIMIT = 100_000;
/** How long one blocking read waits: also how long Ctrl-C may take to end `--follow`. */
const BLOCK_MS = 1_000;

/** `tasks events [--follow]`: the app's lifecycle events, read from its event stream. */
export const eventsCommand: CommandSpec = {
  name: 'events',
  summary: 'lifecycle events of every task and worker; --follow streams them until Ctrl-C',
  usage: [
    'events [--from start|now|<id>] [--limit N]',
    'events --follow [--from start|now|<id>] [--limit N]',
  ],
  description:
    'Reads the event stream the app writes under --prefix (every submitted, started, progress, ' +
    'succeeded, failed, retried, rescheduled, dead-lettered, cancelled and replayed task, and ' +
    'workers coming up and going down), from any machine. Without --follow it prints the events ' +
    `stored so far from --from (default start: the oldest the capped stream still holds), at most ` +
    `--limit (default ${DEFAULT_LIMIT}), and says how to continue; with --follow it prints events as ` +
    'they happen (from now, unless --from says otherwise) until Ctrl-C or SIGTERM, then exits 0 ' +
    'with the id to resume from (or after --limit events). Each line starts with the event id, ' +
    'which --from takes to continue after it. With --json: one JSON document per event (NDJSON).',
  options: {
    follow: { type: 'boolean', short: 'f', help: 'keep printing new events until Ctrl-C / SIGTERM' },
    from: {
      type: 'string',
      value: 'WHERE',
      help: 'start (the oldest held), now, or an event id to continue after it',
    },
    limit: {
      type: 'string',
      value: 'N',
      help: `stop after N events, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}; none with --follow)`,
    },
  },
  examples: [
    ['tasks events', `the oldest ${DEFAULT_LIMIT} events the stream holds`],
    ['tasks events --follow', 'new events as they happen, until Ctrl-C'],
    [
      'tasks events -f --json | jq -c \'select(.event == "failed")\'',
      'failures as they happen, for a script',
    ],
    ['tasks events --from 1764662400000-5', 'the events after that one'],
  ],
  config: 'optional',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'events');
    const follow = flag(values, 'follow');
    const from = fromOf(values, follow);
    const limit = limitOf(values, follow);
    await session.redis();
    return follow ? followEvents(session, from, limit) : printStored(session, from, limit);
  },
};

/** The `from` of `app.events()`: `'0'` (start), `'$'` (now) or an event id. */
function fromOf(values: OptionValues, follow: boolean): string {
  const given = stringOption(values, 'from') ?? (follow ? 'now' : 'start');
  if (given === 'start') return '0';
  if (given === 'now') {
    if (!follow) throw new UsageError('--from now prints nothing without --follow (tasks events --follow)');
    return '$';
  }
  // An event id, or (an app with several shards) a cursor of one id per shard, comma-separated.
  if (/^\d{1,15}(-\d{1,19})?(,\d{1,15}(-\d{1,19})?)*$/.test(given)) return given;
  throw new UsageError(
    `--from must be start, now or an event id such as 1764662400000-0 (the first column of tasks events), got '${given}'`,
  );
}

function limitOf(values: OptionValues, follow: boolean): number {
  return integerOption(values, 'limit', follow ? Number.MAX_SAFE_INTEGER : DEFAULT_LIMIT, 1, MAX_LIMIT);
}

function print(session: Session, event: StreamedEvent): void {
  if (session.out.json) session.out.data(eventJson(event));
  else session.out.print(eventLine(event));
}

/**
 * The id of the newest event stored now (with several shards, a cursor over every shard's
 * stream, as `app.events()` gives), or `null` when nothing is stored.
 */
async function newestId(session: Session): Promise<string | null> {
  const redis = await session.redis();
  const ids: string[] = [];
  for (const shard of session.app.keys.shards) {
    const key = shard.events;
    const tail = (await redis.command(['XREVRANGE', key, '+', '-', 'COUNT', 1], { key })) as Array<
      [string, unknown]
    >;
    ids.push(tail[0]?.[0] ?? '0-0');
  }
  return ids.every((id) => id === '0-0') ? null : ids.join(',');
}

/** True when cursor `a` is at or past cursor `b` on every shard (a one-shard id counts for all). */
function atOrPast(a: string, b: string): boolean {
  const as = a.split(',');
  const bs = b.split(',');
  return bs.every((id, i) => compareIds((as.length === bs.length ? as[i] : as[0]) ?? '0', id) >= 0);
}

/** Compares stream ids `ms-seq` (`ms` alone counts as `ms-0`). */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** Prints the events stored after `from`, up to the newest one now (and at most `limit`). */
async function printStored(session: Session, from: string, limit: number): Promise<ExitCode> {
  const end = await newestId(session);
  if (end === null || (from !== '0' && atOrPast(from, end))) {
    session.out.note(
      end === null
        ? `No events under prefix '${session.prefix}' at ${session.shownUrl} (none happened yet, or the prefix is not the app's).`
        : `No events after ${from}.`,
    );
    return ExitCode.OK;
  }
  let count = 0;
  let last: string | null = null;
  for await (const event of session.app.events({ from, blockMs: BLOCK_MS })) {
    print(session, event);
    count++;
    last = event.id;
    if (atOrPast(event.id, end) || count >= limit) break;
  }
  if (last !== null && !atOrPast(last, end))
    session.out.note(
      `Stopped after ${count} event(s) (--limit ${limit}): continue with tasks events --from ${last}`,
    );
  else if (last !== null && !session.out.json)
    session.out.note(`${count} event(s). New ones: tasks events --follow (or --from ${last} later)`);
  return ExitCode.OK;
}

/** Prints events as they come, until SIGINT/SIGTERM or `limit` events. */
async function followEvents(session: Session, from: string, limit: number): Promise<ExitCode> {
  // "Now" pinned to the newest id before saying so: an event appended after the note is printed.
  const start = from === '$' ? ((await newestId(session)) ?? '0') : from;
  const controller = new AbortController();
  const dispose = onStopSignal(() => controller.abort());
  let count = 0;
  let last: string | null = null;
  session.out.note(
    `Following the events under prefix '${session.prefix}' at ${session.shownUrl}. Stop with Ctrl-C.`,
  );
  try {
    for await (const event of session.app.events({
      from: start,
      signal: controller.signal,
      blockMs: BLOCK_MS,
    })) {
      print(session, event);
      count++;
      last = event.id;
      if (count >= limit) break;
    }
  } finally {
    dispose();
  }
  session.out.note(
    `Stopped following after ${count} event(s)${last === null ? '' : `: resume with tasks events --follow --from ${last}`}.`,
  );
  return ExitCode.OK;
}
