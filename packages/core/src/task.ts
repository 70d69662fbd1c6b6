import { ConcurrencyLimiter, LockedObjectType, MutexLock, RateLimiter, type BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { NoRetry, type RetryPolicy } from '@tasks/retry';
import type { Schedule } from '@tasks/schedules';
import { Priority, Size } from './enums.js';

/** A minimal structured logger; `console` fits. */
export interface TaskLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options of `submit` and `ctx.spawn`. */
export interface SubmitOptions {
  /** Run at (or after) this instant. */
  readonly at?: Date;
  /** Run after this many ms. */
  readonly delayMs?: number;
  /** Free-form labels stored with the task. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The task's id (default: a random UUID). Submitting an id that is live (queued, delayed or
   * running) — or finished with its result still stored (`resultTtlMs`, 24 h by default) —
   * queues nothing and returns a handle on that task. Up to 256 characters; `entry:` is reserved.
   */
  readonly id?: string;
  /**
   * De-duplication key: a second submit with the same key within `dedupWindowMs` queues nothing
   * and returns a handle on the first task.
   */
  readonly dedupKey?: string;
  /** How long a `dedupKey` holds, in ms. Default 60 000. */
  readonly dedupWindowMs?: number;
  /**
   * With `shards`, tasks with the same shard key go to the same shard (so they are taken in
   * the order they were submitted, priority by priority); without one a task goes to a random
   * shard. No effect with one shard.
   */
  readonly shardKey?: string;
}

/** A submitted task. */
export interface TaskHandle<Result = unknown> {
  readonly id: string;
  /**
   * Waits for the outcome: resolves with the return value, rejects with `TaskFailedError`
   * (failed, dead-lettered or dropped) or `ResultTimeoutError`.
   */
  result(options?: { timeoutMs?: number }): Promise<Result>;
}

/** What a running task gets. */
export interface TaskContext<Deps = unknown> {
  readonly taskId: string;
  /** 0 for the first run, then 1, 2, ... for retries. */
  readonly attempt: number;
  /**
   * Aborted when the worker shuts down, a lock's lease is lost, the task's `timeoutMs` runs out
   * or someone cancels it — the reason says which (`WorkerShutdownError`, `LockLostError`,
   * `TaskTimeoutError`, `TaskCancelledError`). Stopping is cooperative: pass it on to what you
   * await.
   */
  readonly signal: AbortSignal;
  readonly logger: TaskLogger;
  readonly redis: RedisAdapter;
  /** The `dependencies` given to `createTaskApp`. */
  readonly deps: Deps;
  /** The id of the task that spawned this one, if any. */
  readonly parentId: string | null;
  /**
   * The locks this run holds, as they were acquired (structural locks and limiters; in
   * `app.call()` limiters are skipped). Read a lock's `fencingToken` here: the objects of the
   * task's `executionLocks` may not be the ones acquired — the app puts locks built without a
   * prefix under its own prefix (and applies configured limits) on copies.
   */
  readonly locks: readonly BaseLock[];
  /** True in `app.call()` (interactive): limiters were skipped, no broker involved. */
  readonly interactive: boolean;
  /** Submits a child task (its parent is recorded). */
  spawn<R>(task: BaseTask<unknown, R>, options?: SubmitOptions): Promise<TaskHandle<R>>;
  /** For a fan-in callback: the id of the group it completes, else `null`. */
  readonly callbackGroupId: string | null;
  /** For a fan-in callback: every child's return value, by child task id. */
  groupResults(): Promise<Record<string, unknown>>;
  /**
   * Reports progress (a number or small JSON value): stored with the running task (`inspect`)
   * and appended to the event stream. Calls in quick succession are merged (the last wins).
   */
  progress(value: unknown): Promise<void>;
}

/** Options of `spawnWithCallback`. */
export interface SpawnWithCallbackOptions {
  /** Submitted (once) instead of the callback when a child exhausts its retries. */
  readonly onFailure?: BaseTask<unknown, unknown>;
  /** How long the group's state is kept. Default 24 h. */
  readonly ttlMs?: number;
}

/** The Standard Schema v1 interface (https://standardschema.dev), for argument validation. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
      }>;
    };

/** The constructor side of a task class. */
export interface TaskClass<Args = unknown, Result = unknown> {
  new (args: Args): BaseTask<Args, Result>;
  readonly name: string;
  /** Unique name of the task; defaults to the class name. */
  readonly taskName?: string;
  /** Optional Standard Schema validating `args` at submit. */
  readonly argsSchema?: StandardSchemaV1<Args> | undefined;
}

/** The registered name of a task class: its `static taskName`, else its class name. */
export function taskNameOf(cls: { readonly name: string; readonly taskName?: string }): string {
  return Object.prototype.hasOwnProperty.call(cls, 'taskName') && cls.taskName ? cls.taskName : cls.name;
}

/**
 * A unit of work. Subclass it, give it plain-data `args` (they are the serialised payload,
 * validated at submit) and implement `execute`.
 *
 * Defaults: `priority = NORMAL`, `size = MEDIUM`, `retryPolicy = new NoRetry()`,
 * `dlqEligible = false`; `executionLocks` are a disabled `RateLimiter` and `ConcurrencyLimiter`
 * on `(TASK, taskName)`, which configuration can enable without code changes.
 *
 * @example
 * ```ts
 * class SendEmail extends BaseTask<{ to: string }, string> {
 *   override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 5, maxRetries: 3 });
 *   async execute(ctx: TaskContext) { return `sent to ${this.args.to} (attempt ${ctx.attempt})`; }
 * }
 * ```
 */
export abstract class BaseTask<Args = void, Result = unknown> {
  /** Unique name; defaults to the class name. */
  static taskName?: string;
  /** Optional Standard Schema validator of `args`, applied at submit. */
  static argsSchema?: StandardSchemaV1 | undefined;

  priority: Priority = Priority.NORMAL;
  size: Size = Size.MEDIUM;
  retryPolicy: RetryPolicy = new NoRetry();
  dlqEligible = false;
  /**
   * Longest a run may take, in ms (`null`: no limit). At the deadline `ctx.signal` aborts with
   * `TaskTimeoutError` and the attempt fails with it, whatever the task does next; the retry
   * policy decides what follows. Configuration can override it.
   */
  timeoutMs: number | null = null;

  constructor(readonly args: Args) {}

  /** The registered name of this task's class. */
  get taskName(): string {
    return taskNameOf(this.constructor);
  }

  /** Locks taken (all or nothing) before `execute`; limiters are skipped by interactive runs. */
  get executionLocks(): BaseLock[] {
    return [
      new RateLimiter(LockedObjectType.TASK, this.taskName),
      new ConcurrencyLimiter(LockedObjectType.TASK, this.taskName),
    ];
  }

  /** The work. Throw to fail (the retry policy decides what happens next). */
  abstract execute(ctx: TaskContext): Promise<Result>;
}

/**
 * A task the scheduler submits on `defaultSchedule`. Its lock is a `MutexLock(TASK, taskName)`
 * instead of the limiters, so two runs never overlap.
 */
export abstract class PeriodicBaseTask<Args = Record<string, never>, Result = unknown> extends BaseTask<
  Args,
  Result
> {
  /** When the scheduler submits it. */
  static defaultSchedule?: Schedule;

  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.TASK, this.taskName)];
  }
}

/**
 * A periodic task run once per VO (virtual organisation): its args carry the `vo`, and its
 * mutex key includes it (`lock:mutex:task:<taskName>:<vo>`), so each VO runs independently.
 */
export abstract class PeriodicVoAwareBaseTask<Result = unknown> extends PeriodicBaseTask<
  { vo: string },
  Result
> {
  /** The VO this run is for. */
  get vo(): string {
    return this.args.vo;
  }

  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.TASK, this.taskName, { extraKeys: [this.vo] })];
  }
}
