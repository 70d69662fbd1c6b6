import type { AcquireAllResult, BaseLock, Watchdog } from '@tasks/locks';
import { BaseLimiter, RateLimitExceededCapacityError } from '@tasks/locks';
import { decideRetry } from '@tasks/retry';
import type { FetchedEntry } from './broker.js';
import { WorkerShutdownError } from './errors.js';
import type { AppInternals } from './internals.js';
import { encodePayload, type TaskPayload } from './payload.js';
import { errorRecord, type TaskResultRecord } from './records.js';
import { withGroupSpawner } from './groups.js';
import type { BaseTask, TaskClass, TaskContext } from './task.js';
import type { CompletionBatcher } from './worker.js';

/** @internal Everything one run needs from its worker. */
export interface RunSpec {
  readonly entry: FetchedEntry;
  readonly payload: TaskPayload;
  readonly cls: TaskClass;
  readonly worker: string;
  /** This run's own signal (aborted by the worker: shutdown deadline, lost delivery). */
  readonly signal: AbortSignal;
  /** The worker's shutdown signal. */
  readonly shutdown: AbortSignal;
  readonly batcher: CompletionBatcher;
  /** Called once the task's code has finished (its slot can take the next entry). */
  executed(): void;
  rescheduleDelay(reschedules: number): number;
  acquire(locks: readonly BaseLock[]): Promise<AcquireAllResult>;
  watch(locks: readonly BaseLock[]): Watchdog;
  release(locks: readonly BaseLock[]): Promise<void>;
}

type Outcome = ({ ok: true; value: unknown } | { ok: false; error: unknown }) & Timing;
interface Timing {
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** @internal Runs one decoded entry to its end: success, retry, reschedule, DLQ or drop. */
export async function runTask(app: AppInternals, spec: RunSpec): Promise<void> {
  const { entry, payload } = spec;
  let task: BaseTask<unknown, unknown>;
  try {
    task = new spec.cls(payload.a);
  } catch (error) {
    await app.deadLetterPayload(
      entry,
      payload,
      `the task's constructor threw: ${String((error as Error)?.message ?? error)}`,
      [...(payload.e ?? []), errorRecord(error, payload.t)],
    );
    return;
  }
  let acquisition: AcquireAllResult;
  try {
    acquisition = await spec.acquire(app.locksOf(task));
  } catch (error) {
    if (error instanceof RateLimitExceededCapacityError) {
      await app.deadLetterPayload(entry, payload, error.message, payload.e ?? []);
      return;
    }
    throw error;
  }
  if (!acquisition.acquired) {
    await reschedule(app, spec, acquisition);
    return;
  }
  const outcome = await execute(app, spec, task, acquisition.held);
  spec.executed();
  if (outcome.ok) await succeed(app, spec, outcome.value, outcome);
  else await fail(app, spec, task, outcome.error, outcome);
}

async function reschedule(
  app: AppInternals,
  spec: RunSpec,
  blocked: Extract<AcquireAllResult, { acquired: false }>,
): Promise<void> {
  const { entry, payload } = spec;
  const count = payload.r ?? 0;
  // A limiter knows exactly when quota frees; a held lock's TTL says nothing about when its
  // holder will release it, so that case backs off (growing, capped).
  const fromLimiter =
    blocked.blockedBy instanceof BaseLimiter && blocked.retryAfterMs !== null && blocked.retryAfterMs > 0;
  const delayMs = fromLimiter ? blocked.retryAfterMs : spec.rescheduleDelay(count);
  const next: TaskPayload = { ...payload, r: count + 1 };
  await app.broker.schedule(entry.streamIndex, payload.i, { delayMs }, encodePayload(next, Infinity), entry);
  app.events.emit('rescheduled', {
    taskId: payload.i,
    name: payload.n,
    delayMs,
    blockedBy: blocked.blockedBy.redisKey,
  });
}

async function execute(
  app: AppInternals,
  spec: RunSpec,
  task: BaseTask<unknown, unknown>,
  held: readonly BaseLock[],
): Promise<Outcome> {
  const { payload } = spec;
  const watchdog = spec.watch(held);
  const signal =
    watchdog.lost === null && !hasLease(held) ? spec.signal : AbortSignal.any([spec.signal, watchdog.signal]);
  const ctx: TaskContext = {
    taskId: payload.i,
    attempt: payload.t,
    signal,
    logger: app.logger,
    redis: app.redis,
    deps: app.deps,
    parentId: payload.p ?? null,
    interactive: false,
    spawn: (child, options) => app.submitChild(child, payload.i, options) as never,
    callbackGroupId: payload.l?.callbackGroupId ?? null,
    groupResults: () =>
      payload.l?.callbackGroupId ? app.groupResults(payload.l.callbackGroupId) : Promise.resolve({}),
  };
  withGroupSpawner(ctx, (children, callback, options) =>
    app.spawnGroup(payload.i, children, callback, options),
  );
  app.events.emit('started', { taskId: payload.i, name: payload.n, attempt: payload.t, worker: spec.worker });
  const startedAt = Date.now();
  try {
    const value = await task.execute(ctx);
    return { ok: true, value, startedAt, finishedAt: Date.now() };
  } catch (error) {
    return { ok: false, error, startedAt, finishedAt: Date.now() };
  } finally {
    watchdog.stop();
    await spec
      .release(held)
      .catch((error: unknown) => app.events.emit('workerError', { error, where: 'release locks' }));
  }
}

function hasLease(locks: readonly BaseLock[]): boolean {
  return locks.some((lock) => lock.leased);
}

function record(
  spec: RunSpec,
  { startedAt, finishedAt }: Timing,
  fields: Pick<TaskResultRecord, 'status' | 'errors'> & { value?: unknown },
): TaskResultRecord {
  const { payload } = spec;
  return {
    id: payload.i,
    name: payload.n,
    attempts: payload.t + 1,
    submittedAt: payload.s,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    parentId: payload.p ?? null,
    worker: spec.worker,
    labels: payload.l ?? {},
    ...fields,
  };
}

async function succeed(app: AppInternals, spec: RunSpec, value: unknown, timing: Timing): Promise<void> {
  const { entry, payload } = spec;
  let json: string;
  try {
    json = JSON.stringify(
      record(spec, timing, { status: 'succeeded', errors: payload.e ?? [], value: value ?? null }),
    );
  } catch (error) {
    const problem = new TypeError(
      `the task's return value is not JSON-serialisable: ${(error as Error).message}`,
    );
    await fail(app, spec, undefined, problem, timing);
    return;
  }
  // Group bookkeeping first: if this process dies before the ack, the redelivered child is
  // counted once (the group remembers its members).
  if (payload.g) await app.groupChildDone(payload.g, payload.i, value ?? null);
  await spec.batcher.add(entry.streamIndex, entry.entryId, payload.i, json);
  const durationMs = timing.finishedAt - timing.startedAt;
  app.events.emit('succeeded', {
    taskId: payload.i,
    name: payload.n,
    attempt: payload.t,
    durationMs,
    worker: spec.worker,
  });
}

async function fail(
  app: AppInternals,
  spec: RunSpec,
  task: BaseTask<unknown, unknown> | undefined,
  error: unknown,
  timing: Timing,
): Promise<void> {
  const { entry, payload } = spec;
  if (spec.shutdown.aborted && spec.signal.reason instanceof WorkerShutdownError) {
    // Aborted by the shutdown deadline: put it back at once, without using an attempt.
    await app.broker.requeue(entry.streamIndex, entry.entryId, encodePayload(payload, Infinity));
    return;
  }
  const failure = errorRecord(error, payload.t);
  const errors = [...(payload.e ?? []), failure];
  const now = new Date();
  const decision = task ? decideRetry(app.retryPolicyOf(task), payload.t, error, now) : null;
  if (decision && decision.retry) {
    const delayMs = Math.max(0, decision.retryAt.getTime() - now.getTime());
    const next: TaskPayload = { ...payload, t: payload.t + 1, e: errors };
    const runAt = await app.broker.schedule(
      entry.streamIndex,
      payload.i,
      { delayMs },
      encodePayload(next, Infinity),
      entry,
    );
    app.events.emit('failed', {
      taskId: payload.i,
      name: payload.n,
      attempt: payload.t,
      error: failure,
      final: false,
    });
    app.events.emit('retried', { taskId: payload.i, name: payload.n, attempt: payload.t + 1, runAt });
    return;
  }
  app.events.emit('failed', {
    taskId: payload.i,
    name: payload.n,
    attempt: payload.t,
    error: failure,
    final: true,
  });
  if (payload.g) await app.groupChildFailed(payload.g, payload.i);
  if (task?.dlqEligible) {
    await app.deadLetterPayload(
      entry,
      payload,
      `failed after ${payload.t + 1} attempt(s): [${failure.name}] ${failure.message}`,
      errors,
    );
    return;
  }
  app.logger.warn(
    `Task ${payload.n} (${payload.i}) failed after ${payload.t + 1} attempt(s), not retried and not DLQ-eligible: recorded as failed`,
    {
      error: failure.message,
    },
  );
  await spec.batcher.add(
    entry.streamIndex,
    entry.entryId,
    payload.i,
    JSON.stringify(record(spec, timing, { status: 'failed', errors })),
  );
}
