import { randomUUID } from 'node:crypto';
import {
  acquireAll,
  ConcurrencyLimiter,
  LockedObjectType,
  LockUnavailableError,
  RateLimiter,
  releaseAll,
  startWatchdog,
  type BaseLock,
} from '@tasks/locks';
import type { RetryPolicy } from '@tasks/retry';
import type { Schedule } from '@tasks/schedules';
import { loadTasksConfig, type TasksConfig, type TasksConfigInput } from './config.js';
import { Groups, withGroupSpawner } from './groups.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import type { RedisAdapter } from '@tasks/redis';
import { Broker, type FetchedEntry } from './broker.js';
import { DeadLetterQueue } from './dlq.js';
import { Priority, PRIORITIES, Size, SIZES, streamIndex } from './enums.js';
import { TaskConfigError, UnknownTaskError, type TaskErrorRecord } from './errors.js';
import { TaskEventEmitter, type TaskEvents } from './events.js';
import type { AppInternals } from './internals.js';
import { Keyspace } from './keys.js';
import { assertPlainData, encodePayload, validateWithSchema, type TaskPayload } from './payload.js';
import type { TaskResultRecord } from './records.js';
import { ResultWaiter } from './results.js';
import {
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  taskNameOf,
  type BaseTask,
  type SubmitOptions,
  type TaskClass,
  type TaskContext,
  type TaskHandle,
  type TaskLogger,
} from './task.js';
import { Worker, type WorkerOptions } from './worker.js';

/** Options of {@link createTaskApp}. */
export interface TaskAppOptions<Deps = unknown> {
  /** The Redis adapter (`createIoredisAdapter` / `createNodeRedisAdapter`). */
  readonly redis: RedisAdapter;
  /** Every task class the app runs. Names (`static taskName`, else the class name) must be unique. */
  readonly tasks: ReadonlyArray<new (args: never) => BaseTask<unknown, unknown>>;
  /** Key prefix (and cluster hash tag) of every key of the app. Default `'tasks'`. */
  readonly prefix?: string;
  /** Dependencies handed to tasks as `ctx.deps`. */
  readonly dependencies?: Deps;
  /** How long results are kept. Default 24 h. */
  readonly resultTtlMs?: number;
  /** Largest serialised payload accepted at submit. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Where warnings go. Default `console`. */
  readonly logger?: TaskLogger;
  /**
   * Configuration overrides (validated at construction): per-task schedule, rate and
   * concurrency limits, retry policy, priority, `enabled`, and per-VO overrides.
   */
  readonly config?: TasksConfigInput | TasksConfig;
}

/** Queue depths and workers, as `app.status()` reports them. */
export interface AppStatus {
  readonly streams: ReadonlyArray<{ priority: string; size: string; length: number; pending: number }>;
  readonly delayed: number;
  /** Entries delivered to a worker and not yet acknowledged. */
  readonly running: number;
  readonly deadLettered: number;
  readonly workers: ReadonlyArray<{
    id: string;
    host: string;
    pid: number;
    running: number;
    lastSeen: number;
  }>;
  /** The scheduler holding the leader lease, or `null` when none does. */
  readonly scheduler: {
    readonly leader: string;
    readonly fencingToken: number;
    readonly leaseMs: number;
  } | null;
}

/** Options of `app.call()`. */
export interface CallOptions {
  /** How long to wait for the task's structural locks. Default 60 000 ms. */
  readonly waitMs?: number;
  /** Aborts the run (and the wait for locks). */
  readonly signal?: AbortSignal;
}

/**
 * A task app: submits tasks to Redis Streams, creates workers, runs tasks interactively,
 * and exposes results, status and the dead-letter queue.
 *
 * @example
 * ```ts
 * const app = createTaskApp({ redis: createIoredisAdapter(url), tasks: [SendEmail] });
 * const worker = app.createWorker({ concurrency: 20 });
 * void worker.run();
 * const handle = await app.submit(new SendEmail({ to: 'a@b.c' }));
 * console.log(await handle.result({ timeoutMs: 5_000 }));
 * await worker.close();
 * ```
 */
export class TaskApp<Deps = unknown> {
  readonly redis: RedisAdapter;
  readonly keys: Keyspace;
  readonly events = new TaskEventEmitter();
  readonly dlq: DeadLetterQueue;
  readonly #broker: Broker;
  readonly #registry = new Map<string, TaskClass>();
  readonly #logger: TaskLogger;
  readonly #deps: Deps;
  readonly #maxPayloadBytes: number;
  readonly #results: ResultWaiter;
  readonly #internals: AppInternals;
  readonly #groups: Groups;
  /** The validated configuration overrides. */
  readonly config: TasksConfig;

  constructor(options: TaskAppOptions<Deps>) {
    this.redis = options.redis;
    this.keys = new Keyspace(options.prefix ?? 'tasks');
    const resultTtlMs = options.resultTtlMs ?? 86_400_000;
    if (!Number.isInteger(resultTtlMs) || resultTtlMs <= 0)
      throw new TaskConfigError('resultTtlMs', 'must be a positive integer');
    this.#broker = new Broker(this.redis, this.keys, resultTtlMs);
    this.#logger = options.logger ?? console;
    this.#deps = options.dependencies as Deps;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
    for (const given of options.tasks) {
      const cls = given as unknown as TaskClass;
      const name = taskNameOf(cls);
      const existing = this.#registry.get(name);
      if (existing && existing !== cls)
        throw new TaskConfigError(
          `tasks.${name}`,
          'two task classes share this name; set a unique static taskName',
        );
      this.#registry.set(name, cls);
    }
    this.config = loadTasksConfig(options.config ?? {});
    for (const name of this.config.taskNames) {
      if (!this.#registry.has(name))
        throw new TaskConfigError(
          `tasks.${name}`,
          `no registered task is called '${name}' (registered: ${this.taskNames.join(', ')})`,
        );
    }
    this.#results = new ResultWaiter(this.redis, this.keys);
    this.#groups = new Groups(
      this.redis,
      this.keys,
      (task, extra) => this.#build(task, extra),
      (index, text) => this.#broker.enqueue(index, text),
      (groupId, outcome) => this.events.emit('groupFired', { groupId, outcome }),
    );
    this.dlq = new DeadLetterQueue(this.redis, this.keys, (payload) => this.#enqueuePayload(payload));
    this.#internals = {
      redis: this.redis,
      keys: this.keys,
      broker: this.#broker,
      events: this.events,
      registry: this.#registry,
      logger: this.#logger,
      deps: this.#deps,
      maxPayloadBytes: this.#maxPayloadBytes,
      locksOf: (task) => this.locksOf(task),
      retryPolicyOf: (task) => this.config.override(task.taskName, voOf(task)).retry ?? task.retryPolicy,
      priorityOf: (task) => this.#priorityOf(task),
      scheduleOf: (cls, vo) => this.scheduleOf(cls, vo ?? null),
      isEnabled: (name, vo) => this.config.override(name, vo).enabled,
      spawnGroup: (parentId, children, callback, opts) =>
        this.#groups.spawn(parentId, children, callback, opts),
      groupChildDone: (groupId, childId, value) => this.#groups.childDone(groupId, childId, value),
      groupChildFailed: (groupId, childId) => this.#groups.childFailed(groupId, childId),
      groupResults: (groupId) => this.#groups.results(groupId),
      submitChild: (task, parentId, opts) => this.#submit(task, opts ?? {}, parentId),
      deadLetterPayload: (entry, payload, reason, errors) =>
        this.#deadLetterPayload(entry, payload, reason, errors),
    };
  }

  /** Names of the registered tasks. */
  get taskNames(): string[] {
    return [...this.#registry.keys()].sort();
  }

  /** The registered class of a task name. @throws UnknownTaskError */
  taskClass(name: string): TaskClass {
    const cls = this.#registry.get(name);
    if (!cls) throw new UnknownTaskError(name, this.taskNames);
    return cls;
  }

  /** Listens to worker events (`started`, `succeeded`, `failed`, `retried`, ...). */
  on<E extends keyof TaskEvents>(event: E, listener: (payload: TaskEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * The locks a task runs under: its `executionLocks`, with configured limits applied to its
   * `RateLimiter` and `ConcurrencyLimiter` on `(TASK, taskName)` (added when it has none).
   */
  locksOf(task: BaseTask<unknown, unknown>): BaseLock[] {
    const name = task.taskName;
    const o = this.config.override(name, voOf(task));
    const locks = task.executionLocks;
    if (o.rateLimit === undefined && o.concurrencyLimit === undefined) return locks;
    const ownLimiter = (lock: BaseLock): boolean => lock.obj === LockedObjectType.TASK && lock.key === name;
    const out = locks.filter((lock) => {
      if (o.rateLimit !== undefined && lock instanceof RateLimiter && ownLimiter(lock)) return false;
      if (o.concurrencyLimit !== undefined && lock instanceof ConcurrencyLimiter && ownLimiter(lock))
        return false;
      return true;
    });
    const base = locks.find((lock) => ownLimiter(lock));
    const common = { extraKeys: base?.extraKeys ?? [], prefix: base?.prefix ?? '' };
    if (o.rateLimit) out.push(new RateLimiter(LockedObjectType.TASK, name, { ...common, ...o.rateLimit }));
    if (o.concurrencyLimit)
      out.push(new ConcurrencyLimiter(LockedObjectType.TASK, name, { ...common, limit: o.concurrencyLimit }));
    return out;
  }

  /** The schedule of a periodic task class: configured, else its `defaultSchedule`; null if none. */
  scheduleOf(cls: TaskClass, vo: string | null = null): Schedule | null {
    const configured = this.config.override(taskNameOf(cls), vo).schedule;
    return configured ?? (cls as unknown as typeof PeriodicBaseTask).defaultSchedule ?? null;
  }

  #priorityOf(task: BaseTask<unknown, unknown>): Priority {
    return this.config.override(task.taskName, voOf(task)).priority ?? task.priority;
  }

  /** The retry policy a task runs with (configured, else its own). */
  retryPolicyOf(task: BaseTask<unknown, unknown>): RetryPolicy {
    return this.#internals.retryPolicyOf(task);
  }

  /**
   * Submits a task: validates its arguments (plain JSON data, then its `argsSchema`), and
   * adds it to the stream of its priority and size — or to the delayed set with `at`/`delayMs`.
   * @throws InvalidTaskArgumentsError naming the task and field; PayloadTooLargeError; UnknownTaskError.
   */
  submit<R>(task: BaseTask<unknown, R>, options: SubmitOptions = {}): Promise<TaskHandle<R>> {
    return this.#submit(task, options, undefined) as Promise<TaskHandle<R>>;
  }

  async #submit(
    task: BaseTask<unknown, unknown>,
    options: SubmitOptions,
    parentId: string | undefined,
  ): Promise<TaskHandle<unknown>> {
    if (options.labels) assertPlainData(task.taskName, options.labels, 'labels');
    const { index, text, id } = await this.#build(task, {
      ...(parentId ? { p: parentId } : {}),
      ...(options.labels ? { l: options.labels } : {}),
    });
    if (options.at !== undefined || options.delayMs !== undefined) {
      const when =
        options.at !== undefined ? { at: options.at.getTime() } : { delayMs: options.delayMs ?? 0 };
      if (!Number.isFinite('at' in when ? when.at : when.delayMs))
        throw new TaskConfigError('submit.at', 'must be a valid date or delay');
      await this.#broker.schedule(index, id, when, text);
    } else {
      await this.#broker.enqueue(index, text);
    }
    return this.handle(id);
  }

  /** Validates a task and builds its payload and stream index. */
  async #build(
    task: BaseTask<unknown, unknown>,
    extra: Partial<TaskPayload>,
  ): Promise<{ index: number; text: string; id: string }> {
    const name = this.#nameOf(task);
    const args = await this.#validate(name, task.args);
    const payload: TaskPayload = { i: randomUUID(), n: name, a: args ?? null, t: 0, s: Date.now(), ...extra };
    const text = encodePayload(payload, this.#maxPayloadBytes);
    return { index: streamIndex(this.#priorityOf(task), task.size), text, id: payload.i };
  }

  async #enqueuePayload(payload: TaskPayload): Promise<TaskHandle<unknown>> {
    // priority and size are instance fields: build an instance to read them.
    const task = safeConstruct(this.taskClass(payload.n), payload.a);
    const index = task ? streamIndex(task.priority, task.size) : streamIndex(Priority.NORMAL, Size.MEDIUM);
    await this.#broker.enqueue(index, encodePayload(payload, this.#maxPayloadBytes));
    return this.handle(payload.i);
  }

  #nameOf(task: BaseTask<unknown, unknown>): string {
    const name = task.taskName;
    const cls = this.#registry.get(name);
    if (!cls || !(task instanceof cls)) throw new UnknownTaskError(name, this.taskNames);
    return name;
  }

  async #validate(name: string, args: unknown): Promise<unknown> {
    const cls = this.taskClass(name);
    assertPlainData(name, args === undefined ? null : args);
    return cls.argsSchema ? validateWithSchema(name, cls.argsSchema, args) : args;
  }

  /** A handle on a task id (to wait for its result). */
  handle<R = unknown>(id: string): TaskHandle<R> {
    return { id, result: (options) => this.#results.wait(id, options?.timeoutMs ?? 30_000) as Promise<R> };
  }

  /** The stored outcome of a task, or `null` when unknown or expired. */
  getResult(id: string): Promise<TaskResultRecord | null> {
    return this.#results.get(id);
  }

  /**
   * Creates a scheduler for the periodic tasks; call `run()` to start it and `close()` to
   * stop it. Run as many as you like: one leads, the others stand by.
   */
  createScheduler(options: SchedulerOptions = {}): Scheduler {
    return new Scheduler(this.#internals, options);
  }

  /** Creates a worker; call `run()` to start it and `close()` to stop it. */
  createWorker(options: WorkerOptions = {}): Worker {
    return new Worker(this.#internals, options);
  }

  /**
   * Runs a task here and now (interactive mode): its structural locks are acquired (waiting
   * up to `waitMs`) and kept alive, limiters are skipped, no broker is involved.
   * @returns what `execute` returned. @throws what it threw, or LockUnavailableError.
   */
  async call<R>(task: BaseTask<unknown, R>, options: CallOptions = {}): Promise<R> {
    const name = this.#nameOf(task);
    await this.#validate(name, task.args);
    const id = randomUUID();
    const result = await acquireAll(this.redis, this.locksOf(task), {
      skipLimiters: true,
      waitMs: options.waitMs ?? 60_000,
      metadata: { interactive: true, task: id },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!result.acquired) throw new LockUnavailableError(result.blockedBy.redisKey, result.retryAfterMs);
    const watchdog = startWatchdog(this.redis, result.held);
    const signal = options.signal ? AbortSignal.any([options.signal, watchdog.signal]) : watchdog.signal;
    const ctx: TaskContext = {
      taskId: id,
      attempt: 0,
      signal,
      logger: this.#logger,
      redis: this.redis,
      deps: this.#deps,
      parentId: null,
      interactive: true,
      spawn: (child, opts) => this.#submit(child, opts ?? {}, id) as never,
      callbackGroupId: null,
      groupResults: async () => ({}),
    };
    withGroupSpawner(ctx, (children, callback, opts) => this.#groups.spawn(id, children, callback, opts));
    try {
      return await task.execute(ctx);
    } finally {
      watchdog.stop();
      await releaseAll(this.redis, result.held);
    }
  }

  /** Queue depths per stream, delayed and dead-lettered counts, running entries and live workers. */
  async status(): Promise<AppStatus> {
    const streams = await Promise.all(
      SIZES.flatMap((size) =>
        PRIORITIES.map(async (priority) => {
          const key = this.keys.stream(priority, size);
          const [length, pending] = await Promise.all([
            this.redis.command(['XLEN', key], { key }),
            this.redis.command(['XPENDING', key, this.keys.group], { key }).catch(() => [0]),
          ]);
          return { priority, size, length: Number(length), pending: Number((pending as unknown[])[0] ?? 0) };
        }),
      ),
    );
    const leaderKey = this.keys.key('scheduler', 'leader');
    const [delayed, deadLettered, workersRaw, leader, leaseMs] = await Promise.all([
      this.redis.command(['ZCARD', this.keys.delayed], { key: this.keys.delayed }),
      this.redis.command(['ZCARD', this.keys.dlq], { key: this.keys.dlq }),
      this.redis.command(['HGETALL', this.keys.workers], { key: this.keys.workers }),
      this.redis.command(['GET', leaderKey], { key: leaderKey }),
      this.redis.command(['PTTL', leaderKey], { key: leaderKey }),
    ]);
    const lease = typeof leader === 'string' ? /^(.*)\|(\d+)$/.exec(leader) : null;
    const workers: Array<{ id: string; host: string; pid: number; running: number; lastSeen: number }> = [];
    const list = workersRaw as string[];
    for (let i = 1; i < list.length; i += 2) {
      try {
        workers.push(JSON.parse(String(list[i])) as (typeof workers)[number]);
      } catch {
        // a corrupted worker record is left out
      }
    }
    return {
      streams,
      delayed: Number(delayed),
      running: streams.reduce((sum, s) => sum + s.pending, 0),
      deadLettered: Number(deadLettered),
      workers,
      scheduler: lease
        ? { leader: lease[1] ?? '', fencingToken: Number(lease[2]), leaseMs: Math.max(0, Number(leaseMs)) }
        : null,
    };
  }

  async #deadLetterPayload(
    entry: FetchedEntry,
    payload: TaskPayload,
    reason: string,
    errors: readonly TaskErrorRecord[],
  ): Promise<void> {
    const now = Date.now();
    const result: TaskResultRecord = {
      id: payload.i,
      name: payload.n,
      status: 'dead-lettered',
      errors,
      attempts: payload.t + 1,
      submittedAt: payload.s,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      parentId: payload.p ?? null,
      worker: null,
      labels: payload.l ?? {},
    };
    const record = {
      id: payload.i,
      reason,
      taskId: payload.i,
      taskName: payload.n,
      payload: JSON.stringify(payload),
      errors,
      at: now,
    };
    if (payload.g) await this.#groups.childFailed(payload.g, payload.i);
    await this.#broker.deadLetter(entry.streamIndex, entry.entryId, payload.i, record, {
      taskId: payload.i,
      json: JSON.stringify(result),
    });
    this.events.emit('deadLettered', { taskId: payload.i, name: payload.n, reason });
  }
}

/** The VO of a VO-aware periodic task, else null. */
function voOf(task: BaseTask<unknown, unknown>): string | null {
  return task instanceof PeriodicVoAwareBaseTask ? task.vo : null;
}

function safeConstruct(cls: TaskClass, args: unknown): BaseTask<unknown, unknown> | null {
  try {
    return new cls(args);
  } catch {
    return null;
  }
}

/** Creates a {@link TaskApp}. */
export function createTaskApp<Deps = unknown>(options: TaskAppOptions<Deps>): TaskApp<Deps> {
  return new TaskApp(options);
}
