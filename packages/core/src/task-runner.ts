import {
  acquireAll,
  ExclusiveRWLock,
  RateLimiter,
  RateLimitExceededCapacityError,
  releaseAll,
  startWatchdog,
  type AcquireAllResult,
  type BaseLock,
} from '@tasks/locks';
import { decideRetry, type RetryDecision } from '@tasks/retry';
import type { FetchedEntry, WakeRequest } from './broker.js';
import { taskContext, type ContextServices } from './context.js';
import type { Dependencies, RunOutcome } from './dependencies.js';
import { TaskCancelledError, TaskTimeoutError, WorkerShutdownError } from './errors.js';
import type { TaskEventEmitter } from './events.js';
import type { OutcomeWriter, RunFacts, TaskDelivery } from './outcomes.js';
import { decodePayload, PayloadDecodeError, type TaskPayload } from './payload.js';
import { progressReporter } from './progress.js';
import { errorRecord } from './records.js';
import type { AnyTask, TaskRegistry } from './registry.js';
import type { Brokers } from './brokers.js';
import type { Telemetry } from './telemetry.js';

/** @internal The services a runner is built from (once per worker). */
export interface RunnerServices extends ContextServices {
  readonly brokers: Brokers;
  readonly registry: TaskRegistry;
  readonly outcomes: OutcomeWriter;
  readonly dependencies: Dependencies;
  readonly events: TaskEventEmitter;
  readonly telemetry: Telemetry;
}

/** @internal How a worker's runner behaves. */
export interface RunnerOptions {
  readonly workerId: string;
  /** Deliveries after which an entry that never completed is dead-lettered without running. */
  readonly maxDeliveries: number;
  /** Fallback delay of a task refused by a lock: first, and cap (doubling in between). */
  readonly rescheduleBaseMs: number;
  readonly rescheduleMaxMs: number;
}

/** @internal What a worker gives one run, and hears back from it. */
export interface RunHooks {
  /** The run's own signal (aborted by the worker: shutdown deadline, lost delivery). */
  readonly signal: AbortSignal;
  /** The worker's shutdown signal. */
  readonly shutdown: AbortSignal;
  /** Called once the entry is decoded (the worker then knows which task it runs). */
  decoded(payload: TaskPayload): void;
  /** True when a cancel request for this task reached the worker before it knew the task. */
  cancelRequested(taskId: string): boolean;
  /** Called when the run begins, its locks held (the worker announces it and lists it). */
  started(payload: TaskPayload, locks: readonly string[]): void;
  /** Called once the task's own code has finished (its slot can take the next entry). */
  executed(): void;
}

type Execution =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * @internal Runs one delivery to its outcome: decode, poison check, construct, take the locks
 * (all or nothing, no waiting), set up per-run dependencies, execute under the lock watchdog,
 * tear down, release — then hand the outcome to the {@link OutcomeWriter}, which alone writes it.
 */
export class TaskRunner {
  constructor(
    private readonly s: RunnerServices,
    private readonly o: RunnerOptions,
  ) {}

  /** Runs `entry` to its outcome. */
  async run(entry: FetchedEntry, hooks: RunHooks): Promise<void> {
    const { outcomes } = this.s;
    const worker = this.o.workerId;
    let payload: TaskPayload;
    try {
      payload = decodePayload(entry.raw);
    } catch (error) {
      const why = error instanceof PayloadDecodeError ? error.message : String(error);
      return outcomes.deadLettered({ entry, payload: null, worker }, `undecodable entry: ${why}`);
    }
    const d: TaskDelivery = { entry, payload, worker };
    hooks.decoded(payload);
    const { telemetry } = this.s;
    return telemetry.enabled ? telemetry.execute(d, () => this.#deliver(d, hooks)) : this.#deliver(d, hooks);
  }

  /** Runs a decoded delivery to its outcome. */
  async #deliver(d: TaskDelivery, hooks: RunHooks): Promise<void> {
    const { outcomes, registry } = this.s;
    const { entry, payload } = d;
    if (entry.deliveries > this.o.maxDeliveries)
      return outcomes.deadLettered(
        d,
        `delivered ${entry.deliveries} times without completing (poison entry): its worker crashed or hung each time`,
      );
    const cls = registry.find(payload.n);
    if (!cls)
      return outcomes.deadLettered(d, `unknown task name '${payload.n}' (not registered with this app)`);
    let task: AnyTask;
    try {
      task = new cls(payload.a);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return outcomes.deadLettered(d, `the task's constructor threw: ${message}`, [
        ...(payload.e ?? []),
        errorRecord(error, payload.t),
      ]);
    }
    if (hooks.cancelRequested(payload.i)) return outcomes.cancelled(d);
    const acquisition = await this.#acquire(d, task);
    if (acquisition === null) return;
    if (!acquisition.acquired) return this.#reschedule(d, acquisition);
    const startedAt = Date.now();
    hooks.started(
      payload,
      acquisition.held.map((lock) => lock.redisKey),
    );
    const execution = await this.#execute(d, task, acquisition.held, hooks.signal);
    hooks.executed();
    const facts: RunFacts = { startedAt, finishedAt: Date.now(), wake: wakeRequests(acquisition.held) };
    if (hooks.signal.reason instanceof TaskCancelledError) return outcomes.cancelled(d, facts);
    if (execution.ok) {
      if (await outcomes.succeeded(d, facts, execution.value)) return;
      const problem = new TypeError("the task's return value is not JSON-serialisable");
      return outcomes.failed(d, facts, errorRecord(problem, payload.t), problem.message, task.dlqEligible);
    }
    return this.#failed(d, task, facts, execution.error, hooks);
  }

  /** The locks, all or nothing; `null` when the task cannot ever run under them (dead-lettered). */
  async #acquire(d: TaskDelivery, task: AnyTask): Promise<AcquireAllResult | null> {
    try {
      return await acquireAll(this.s.redis, this.s.registry.locksOf(task), {
        metadata: { worker: this.o.workerId, task: d.payload.i },
        telemetry: this.s.telemetry.enabled,
      });
    } catch (error) {
      if (!(error instanceof RateLimitExceededCapacityError)) throw error;
      await this.s.outcomes.deadLettered(d, error.message);
      return null;
    }
  }

  /**
   * Contention is not a failure: back later with no attempt used. A rate limiter knows when
   * quota frees; any other lock parks the task until a run that releases it wakes it (with a
   * growing, capped fallback delay for holders that are not tasks of this app).
   */
  async #reschedule(d: TaskDelivery, blocked: Extract<AcquireAllResult, { acquired: false }>): Promise<void> {
    const lock = blocked.blockedBy;
    const quota = lock instanceof RateLimiter && blocked.retryAfterMs !== null && blocked.retryAfterMs > 0;
    const fallback = Math.min(this.o.rescheduleMaxMs, this.o.rescheduleBaseMs * 2 ** (d.payload.r ?? 0));
    const delayMs = quota && blocked.retryAfterMs !== null ? blocked.retryAfterMs : fallback;
    await this.s.outcomes.rescheduled(d, delayMs, lock.redisKey, quota ? null : lock.redisKey);
  }

  async #execute(
    d: TaskDelivery,
    task: AnyTask,
    held: readonly BaseLock[],
    runSignal: AbortSignal,
  ): Promise<Execution> {
    const p = d.payload;
    const watchdog = startWatchdog(this.s.redis, held, {
      onLost: (error) => this.s.events.emit('lockLost', { taskId: p.i, name: p.n, key: error.key }),
    });
    const timeoutMs = this.s.registry.timeoutOf(task);
    const timeout = timeoutMs === null ? null : AbortSignal.timeout(timeoutMs);
    const signals = [runSignal, ...(held.some((lock) => lock.leased) ? [watchdog.signal] : [])];
    if (timeout) signals.push(timeout);
    // Combining signals costs allocations and GC work on every run: only when there are several.
    const signal = signals.length === 1 ? runSignal : AbortSignal.any(signals);
    this.s.events.emit('started', { taskId: p.i, name: p.n, attempt: p.t, worker: this.o.workerId });
    try {
      const run = { taskId: p.i, taskName: p.n, attempt: p.t, signal };
      const deps = await this.s.dependencies.open(run, (message, error) =>
        this.s.logger.warn(`Task ${p.n} (${p.i}): ${message}`, { error: String(error) }),
      );
      const ctx = taskContext(this.s, {
        taskId: p.i,
        attempt: p.t,
        parentId: p.p ?? null,
        callbackGroupId: p.l?.callbackGroupId ?? null,
        signal: timeout ? withTimeoutReason(signal, timeout, p.i, timeoutMs as number) : signal,
        interactive: false,
        deps: deps.value,
        locks: held,
        progress: progressReporter(this.s.brokers.shard(d.entry.shard), this.s.events, {
          id: p.i,
          name: p.n,
        }),
      });
      let outcome: RunOutcome;
      let value: unknown;
      try {
        value = await task.execute(ctx);
        outcome = { ok: true };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // Past its deadline the attempt fails, whatever the task did after the abort.
      if (timeout?.aborted) outcome = { ok: false, error: new TaskTimeoutError(p.i, timeoutMs as number) };
      await deps.close(outcome);
      return outcome.ok ? { ok: true, value } : outcome;
    } catch (error) {
      return { ok: false, error };
    } finally {
      watchdog.stop();
      await releaseAll(this.s.redis, held).catch((error: unknown) =>
        this.s.events.emit('workerError', { error, where: 'release locks' }),
      );
    }
  }

  async #failed(
    d: TaskDelivery,
    task: AnyTask,
    facts: RunFacts,
    error: unknown,
    hooks: RunHooks,
  ): Promise<void> {
    const p = d.payload;
    if (hooks.shutdown.aborted && hooks.signal.reason instanceof WorkerShutdownError)
      return this.s.outcomes.requeued(d, facts); // aborted by the shutdown deadline: no attempt used
    const failure = errorRecord(error, p.t);
    const now = new Date();
    const decision = decideRetry(this.s.registry.retryPolicyOf(task), p.t, error, now);
    if (decision.retry)
      return this.s.outcomes.retried(
        d,
        facts,
        failure,
        Math.max(0, decision.retryAt.getTime() - now.getTime()),
      );
    const reason = `${failureReason(decision)} after ${p.t + 1} attempt(s): [${failure.name}] ${failure.message}`;
    return this.s.outcomes.failed(d, facts, failure, reason, task.dlqEligible);
  }
}

/** A signal that aborts with `signal`, but with a `TaskTimeoutError` as the reason when the timeout fired. */
function withTimeoutReason(
  signal: AbortSignal,
  timeout: AbortSignal,
  taskId: string,
  ms: number,
): AbortSignal {
  const controller = new AbortController();
  const forward = (): void =>
    controller.abort(timeout.aborted ? new TaskTimeoutError(taskId, ms) : (signal.reason as unknown));
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  return controller.signal;
}

function failureReason(decision: Extract<RetryDecision, { retry: false }>): string {
  switch (decision.reason) {
    case 'non-retryable':
      return 'non-retryable error';
    case 'requested-retries-exhausted':
      return `retry requested past the cap of ${decision.cap} retries`;
    case 'retries-exhausted':
      return 'no retry left';
  }
}

/** The parked tasks a run's release may let in: one per freed slot, every reader for a writer. */
function wakeRequests(held: readonly BaseLock[]): WakeRequest[] {
  return held
    .filter((lock) => lock.enabled && !(lock instanceof RateLimiter))
    .map((lock) => ({ lockKey: lock.redisKey, count: lock instanceof ExclusiveRWLock ? 100 : 1 }));
}
