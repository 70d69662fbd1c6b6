import { BaseLimiter, inspectLockKey } from '@tasks/locks';
import type { BaseTask } from '@tasks/core';
import { isTasksError, type RedisAdapter } from '@tasks/redis';
import { integerOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { CliError, TaskRunError, describeThrown, stringField } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration, formatFields } from '../format.js';
import type { Session } from '../session.js';
import { buildTask, noMoreArgs, onStopSignal, safeJson } from './shared.js';

/** Errors of `app.call` that are not the task's own failure (mapped by their code). */
const INFRASTRUCTURE = new Set([
  'INVALID_TASK_ARGUMENTS',
  'PAYLOAD_TOO_LARGE',
  'UNKNOWN_TASK',
  'REDIS_ERROR',
  'REDIS_UNREACHABLE',
  'REDIS_AUTH',
  'REDIS_PROTOCOL',
  'REDIS_TIMEOUT',
]);

/** `tasks call <task>`: runs a task interactively and prints its result. */
export const callCommand: CommandSpec = {
  name: 'call',
  summary: 'run a task here and now (interactive) and print its result',
  usage: ['call <task> [--args JSON] [--wait-ms N]'],
  description:
    'Runs the task in this process, without a queue, retries or the DLQ. Its structural locks ' +
    '(MutexLock, ExclusiveRWLock, SharedRWLock) are acquired first, waiting up to --wait-ms for one ' +
    'that is held, kept alive while it runs and released afterwards; rate and concurrency limiters ' +
    'are skipped. The result is printed as JSON on stdout. Exit code 1 if the task throws, 5 if a ' +
    'lock stayed held for --wait-ms, 130 on Ctrl-C.',
  options: {
    args: {
      type: 'string',
      value: 'JSON',
      help: "the task's arguments: a JSON object, @file.json, or - for stdin (default {})",
    },
    'wait-ms': { type: 'string', value: 'N', help: 'how long to wait for a held lock (default 60000)' },
  },
  examples: [
    [`tasks call SendEmail --args '{"to":"ada@example.org"}'`, 'run it now, print its result'],
    ['tasks call Cleanup --wait-ms 0 --json', 'fail at once (exit 5) if its lock is held'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    const task = await buildTask(session, args[0], values);
    noMoreArgs(args, 1, 'call');
    const waitMs = integerOption(values, 'wait-ms', 60_000);
    await session.redis();
    const controller = new AbortController();
    const dispose = onStopSignal((signal) => controller.abort(new Error(`received ${signal}`)));
    const started = Date.now();
    try {
      if (waitMs > 0) await announceHeldLocks(session, task, waitMs);
      const result = await session.app.call(task, { waitMs, signal: controller.signal });
      const durationMs = Date.now() - started;
      if (session.out.json)
        session.out.print(
          `{"task":${safeJson(task.taskName)},"result":${safeJson(result)},"durationMs":${durationMs}}`,
        );
      else {
        session.out.print(safeJson(result, 2));
        session.out.note(`${task.taskName} finished in ${formatDuration(durationMs)}`);
      }
      return ExitCode.OK;
    } catch (error) {
      if (controller.signal.aborted)
        throw new CliError('INTERRUPTED', ExitCode.INTERRUPTED, `Interrupted: ${task.taskName} was stopped`);
      if (isTasksError(error) && error.code === 'LOCK_UNAVAILABLE')
        throw await lockHeld(session, error, waitMs);
      if (isTasksError(error) && INFRASTRUCTURE.has(error.code)) throw error;
      if (session.out.json)
        session.out.data({
          task: task.taskName,
          error: { name: errorName(error), message: describeThrown(error) },
        });
      throw new TaskRunError(task.taskName, error);
    } finally {
      dispose();
    }
  },
};

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Says which structural lock `call` is about to wait for, and who holds it. */
async function announceHeldLocks(
  session: Session,
  task: BaseTask<unknown, unknown>,
  waitMs: number,
): Promise<void> {
  const redis = await session.redis();
  for (const lock of session.app.locksOf(task)) {
    if (lock instanceof BaseLimiter) continue; // interactive runs skip limiters
    const holder = await describeHolder(redis, lock.redisKey);
    if (holder === null) continue;
    session.out.note(
      `Lock ${lock.redisKey} is held${holder}: waiting up to ${formatDuration(waitMs)} (--wait-ms) for it`,
    );
  }
}

/** `; held by <owner> (meta), lease 2.0 s left`, `''` when unknown, `null` when not held. */
async function describeHolder(redis: RedisAdapter, key: string): Promise<string | null> {
  try {
    const info = await inspectLockKey(redis, key);
    const first = info?.holders[0];
    if (!first) return null;
    const meta = formatFields(first.metadata);
    return ` by ${first.ownerId}${meta ? ` (${meta})` : ''}, lease ${formatDuration(first.ttlMs)} left`;
  } catch {
    return ''; // the explanation is a bonus
  }
}

/** A LockUnavailableError, explained with who holds the lock. */
async function lockHeld(session: Session, error: Error, waitMs: number): Promise<CliError> {
  const key = stringField(error, 'key');
  const described = await describeHolder(await session.redis(), key);
  const holder = described ? `; held${described}` : '';
  return new CliError(
    'LOCK_UNAVAILABLE',
    ExitCode.LOCK_UNAVAILABLE,
    `Lock ${key} stayed held for ${waitMs} ms (--wait-ms)${holder}`,
    { cause: error },
  );
}
