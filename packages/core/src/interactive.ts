import { acquireAll, LockUnavailableError, releaseAll, startWatchdog } from '@tasks/locks';
import { randomUUID } from 'node:crypto';
import { taskContext } from './context.js';
import type { RunOutcome } from './dependencies.js';
import type { AnyTask } from './registry.js';
import type { AppServices } from './services.js';

/** Options of `app.call()`. */
export interface CallOptions {
  /** How long to wait for the task's structural locks. Default 60 000 ms. */
  readonly waitMs?: number;
  /** Aborts the run (and the wait for locks). */
  readonly signal?: AbortSignal;
}

/**
 * @internal Runs a task here and now: structural locks acquired (waiting) and kept alive,
 * limiters skipped, per-run dependencies set up and torn down, no broker involved.
 */
export async function callTask(app: AppServices, task: AnyTask, options: CallOptions): Promise<unknown> {
  const name = app.registry.nameOf(task);
  await app.submitter.validate(name, task.args);
  const id = randomUUID();
  const result = await acquireAll(app.redis, app.registry.locksOf(task), {
    skipLimiters: true,
    waitMs: options.waitMs ?? 60_000,
    metadata: { interactive: true, task: id },
    telemetry: app.telemetry.enabled,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!result.acquired) throw new LockUnavailableError(result.blockedBy.redisKey, result.retryAfterMs);
  const watchdog = startWatchdog(app.redis, result.held);
  const signal = options.signal ? AbortSignal.any([options.signal, watchdog.signal]) : watchdog.signal;
  try {
    const deps = await app.dependencies.open({ taskId: id, taskName: name, attempt: 0, signal }, (m, e) =>
      app.logger.warn(`Task ${name} (${id}): ${m}`, { error: String(e) }),
    );
    const ctx = taskContext(app, {
      taskId: id,
      attempt: 0,
      parentId: null,
      callbackGroupId: null,
      signal,
      interactive: true,
      deps: deps.value,
      locks: result.held,
      progress: async (value) => void app.events.emit('progress', { taskId: id, name, progress: value }),
    });
    let outcome: RunOutcome = { ok: true };
    try {
      return await task.execute(ctx);
    } catch (error) {
      outcome = { ok: false, error };
      throw error;
    } finally {
      await deps.close(outcome);
    }
  } finally {
    watchdog.stop();
    await releaseAll(app.redis, result.held);
  }
}
