import { PRIORITIES, SIZES, type Priority, type Size, type StreamSelector } from '@tasks/core';
import { flag, listOption, type OptionValues } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { noMoreArgs } from './shared.js';

/** A stream, as `pause`/`resume --json` print it. */
interface StreamName {
  readonly priority: string;
  readonly size: string;
}

const OPTIONS = {
  priority: {
    type: 'string',
    multiple: true,
    value: 'P',
    help: `priorities: ${PRIORITIES.join(', ')} (repeatable or comma-separated)`,
  },
  // Same shape as `worker --size` (the options of every command are parsed together).
  size: {
    type: 'string',
    multiple: true,
    value: 'SIZE',
    help: `sizes: ${SIZES.join(', ')} (repeatable or comma-separated)`,
  },
  all: { type: 'boolean', help: 'every stream (all nine)' },
} as const;

function checked<T extends string>(list: string[] | undefined, known: readonly T[], option: string): T[] {
  for (const value of list ?? [])
    if (!(known as readonly string[]).includes(value))
      throw new UsageError(`--${option} must be one of ${known.join(', ')}, got '${value}'`);
  return [...new Set(list ?? [])] as T[];
}

/**
 * The selectors named by `--priority`/`--size` (every combination) or `--all`.
 * @throws UsageError when none, or `--all` with another.
 */
function selectorsOf(values: OptionValues, verb: string): StreamSelector[] {
  const priorities = checked<Priority>(listOption(values, 'priority'), PRIORITIES, 'priority');
  const sizes = checked<Size>(listOption(values, 'size'), SIZES, 'size');
  const all = flag(values, 'all');
  const some = priorities.length > 0 || sizes.length > 0;
  if (all && some) throw new UsageError(`tasks ${verb} takes --all, or --priority and/or --size, not both`);
  if (!all && !some)
    throw new UsageError(
      `Say which streams to ${verb}: --priority ${PRIORITIES.join('|')}, --size ${SIZES.join('|')} (or both), or --all`,
    );
  const ps: Array<Priority | undefined> = priorities.length > 0 ? priorities : [undefined];
  const ss: Array<Size | undefined> = sizes.length > 0 ? sizes : [undefined];
  return ps.flatMap((priority) =>
    ss.map((size): StreamSelector => ({ ...(priority ? { priority } : {}), ...(size ? { size } : {}) })),
  );
}

function covers(selectors: readonly StreamSelector[], stream: StreamName): boolean {
  return selectors.some(
    (s) =>
      (s.priority === undefined || String(s.priority) === stream.priority) &&
      (s.size === undefined || String(s.size) === stream.size),
  );
}

const named = (streams: readonly StreamName[]): string =>
  streams.length === 0 ? 'none' : streams.map((s) => `${s.priority}/${s.size}`).join(', ');

/** `tasks pause` and `tasks resume`: one body, two verbs. */
function streamControl(verb: 'pause' | 'resume'): CommandSpec {
  const pause = verb === 'pause';
  return {
    name: verb,
    summary: pause
      ? 'stop workers fetching from some streams (queued tasks stay)'
      : 'let workers fetch from paused streams again',
    usage: [`${verb} --priority P [--size SIZE]`, `${verb} --size SIZE`, `${verb} --all`],
    description: pause
      ? 'Pauses streams (priority × size) of the app under --prefix, for every worker at once: ' +
        'workers stop fetching from them; their queued tasks stay queued, running ones finish, and ' +
        'submitting still works. --priority and --size may be combined (realtime × small) or ' +
        'repeated; --all pauses all nine. Pausing a paused stream changes nothing. Prints the ' +
        'streams paused now; tasks status shows them too. Works without a config file.'
      : 'Resumes streams paused by tasks pause, for every worker at once: they fetch from them ' +
        'again, in strict priority as before. Same selection as pause (--priority, --size, or ' +
        '--all); resuming a stream that is not paused changes nothing. Prints the streams still ' +
        'paused. Works without a config file.',
    options: OPTIONS,
    examples: pause
      ? [
          ['tasks pause --priority background', 'hold back every background task'],
          ['tasks pause --size large --json', 'no new large task starts anywhere'],
          ['tasks pause --all', 'stop fetching everything (e.g. before a migration)'],
        ]
      : [
          ['tasks resume --all', 'fetch from every stream again'],
          ['tasks resume --priority background --size small', 'just that stream'],
        ],
    config: 'optional',
    async run(session, { args, values }) {
      noMoreArgs(args, 0, verb);
      const selectors = selectorsOf(values, verb);
      await session.redis();
      for (const selector of selectors)
        await (pause ? session.app.pause(selector) : session.app.resume(selector));
      const streams = (await session.app.status()).streams;
      const selected = streams
        .filter((s) => covers(selectors, s))
        .map(({ priority, size }) => ({ priority, size }));
      const paused = streams.filter((s) => s.paused).map(({ priority, size }) => ({ priority, size }));
      if (session.out.json) {
        session.out.data({ action: verb, streams: selected, paused });
        return ExitCode.OK;
      }
      session.out.print(
        pause
          ? `Paused ${named(selected)}: workers stop fetching from ${selected.length === 1 ? 'it' : 'them'}; queued tasks stay, running ones finish.`
          : `Resumed ${named(selected)}: workers fetch from ${selected.length === 1 ? 'it' : 'them'} again.`,
      );
      session.out.print(`Paused now: ${named(paused)}.`);
      return ExitCode.OK;
    },
  };
}

/** `tasks pause`: workers stop fetching from the selected streams. */
export const pauseCommand: CommandSpec = streamControl('pause');

/** `tasks resume`: workers fetch from the selected streams again. */
export const resumeCommand: CommandSpec = streamControl('resume');
