import { isTasksError } from '@tasks/redis';
import { flag, integerOption, type OptionValues } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import type { Session } from '../session.js';
import { buildTask, noMoreArgs, safeJson } from './shared.js';

/** `tasks submit <task>`: queues a task for the workers, optionally waiting for its result. */
export const submitCommand: CommandSpec = {
  name: 'submit',
  summary: 'queue a task for the workers (optionally wait for its result)',
  usage: ['submit <task> [--args JSON] [--delay-ms N] [--label k=v ...] [--wait [--timeout-ms N]]'],
  description:
    "Validates the task's arguments and adds it to the stream of its priority and size (or to the " +
    'delayed set with --delay-ms), then prints its id. With --wait it waits for a worker to finish ' +
    'it and prints the result: exit code 1 if it failed or was dead-lettered, 6 if no result came ' +
    'within --timeout-ms (the task may still run later).',
  options: {
    args: {
      type: 'string',
      value: 'JSON',
      help: "the task's arguments: a JSON object, @file.json, or - for stdin (default {})",
    },
    'delay-ms': { type: 'string', value: 'N', help: 'run it no earlier than N ms from now' },
    label: {
      type: 'string',
      multiple: true,
      value: 'k=v',
      help: 'a label stored with the task (repeatable)',
    },
    wait: { type: 'boolean', help: 'wait for the result and print it' },
    'timeout-ms': { type: 'string', value: 'N', help: 'with --wait: how long to wait (default 60000)' },
  },
  examples: [
    [`tasks submit SendEmail --args '{"to":"ada@example.org"}'`, 'queue it, print its id'],
    [`tasks submit Resize --args '{"w":640}' --wait --json`, 'queue it, wait, print the outcome as JSON'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    const task = await buildTask(session, args[0], values);
    noMoreArgs(args, 1, 'submit');
    const delayMs = integerOption(values, 'delay-ms', 0);
    const labels = labelsOf(values);
    const wait = flag(values, 'wait');
    const timeoutMs = integerOption(values, 'timeout-ms', 60_000, 1);
    await session.redis();
    const handle = await session.app.submit(task, {
      ...(delayMs > 0 ? { delayMs } : {}),
      ...(labels ? { labels } : {}),
    });
    const name = task.taskName;
    if (!wait) {
      if (session.out.json) session.out.data({ id: handle.id, task: name, delayMs });
      else
        session.out.print(
          `Submitted ${name} as ${handle.id}${delayMs > 0 ? ` (runs in ${formatDuration(delayMs)})` : ''}`,
        );
      return ExitCode.OK;
    }
    if (!session.out.json)
      session.out.note(
        `Submitted ${name} as ${handle.id}; waiting up to ${formatDuration(timeoutMs)} for its result`,
      );
    await warnWithoutWorker(session, name, task.size);
    return waitForResult(session, name, handle.id, () => handle.result({ timeoutMs }));
  },
};

async function waitForResult(
  session: Session,
  name: string,
  id: string,
  result: () => Promise<unknown>,
): Promise<ExitCode> {
  try {
    const value = await result();
    if (session.out.json)
      session.out.print(
        `{"id":${safeJson(id)},"task":${safeJson(name)},"status":"succeeded","result":${safeJson(value)}}`,
      );
    else session.out.print(safeJson(value, 2));
    return ExitCode.OK;
  } catch (error) {
    if (session.out.json && isTasksError(error) && error.code === 'TASK_FAILED') {
      const failed = error as unknown as {
        status: string;
        errors: ReadonlyArray<{ attempt: number; name: string; message: string }>;
      };
      session.out.data({
        id,
        task: name,
        status: failed.status,
        errors: failed.errors.map((e) => ({ attempt: e.attempt, name: e.name, message: e.message })),
      });
    }
    throw error;
  }
}

/** How recent a worker's registry record must be for it to count as alive. */
const LIVE_WORKER_MS = 60_000;

/** `submit --wait` would wait silently for nothing when no live worker serves the task's size. */
async function warnWithoutWorker(session: Session, name: string, size: string): Promise<void> {
  const now = Date.now();
  const workers = (await session.app.status()).workers as ReadonlyArray<{
    lastSeen: number;
    sizes?: unknown;
  }>;
  const serving = workers.filter(
    (w) => now - w.lastSeen < LIVE_WORKER_MS && (!Array.isArray(w.sizes) || w.sizes.includes(size)),
  );
  if (serving.length > 0) return;
  session.out.note(
    `Warning: no live worker serves ${size} tasks under prefix '${session.prefix}' at ${session.shownUrl}: ` +
      `${name} waits in its queue until one starts (tasks worker${size === 'medium' ? '' : ` --size ${size}`}).`,
  );
}

function labelsOf(values: OptionValues): Record<string, string> | undefined {
  const raw = values.label;
  const list = Array.isArray(raw) ? raw : undefined;
  if (!list || list.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--label must look like key=value, got '${item}'`);
    labels[item.slice(0, at)] = item.slice(at + 1);
  }
  return labels;
}
