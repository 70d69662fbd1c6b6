import type { BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import type { RetryPolicy } from '@tasks/retry';
import type { Schedule } from '@tasks/schedules';
import { Brokers } from './brokers.js';
import { LayoutCheck, shardPlacement, type ShardPlacement } from './layout.js';
import { loadTasksConfig, type TasksConfig, type TasksConfigInput } from './config.js';
import { Control, type CancelResult, type StreamSelector } from './control.js';
import { readEvents, type EventsOptions, type StreamedEvent } from './event-stream.js';
import { Inspector, type ListOptions, type TaskInspection, type TaskPage } from './inspection.js';
import { Dependencies } from './dependencies.js';
import { DeadLetterQueue } from './dlq.js';
import { DeadLetterForwarder, type DeadLetterForwardingOptions } from './dlq-forwarder.js';
import { RedisDeadLetterStore } from './dlq-redis-store.js';
import type { DeadLetterStore } from './dlq-store.js';
import { TaskConfigError } from './errors.js';
import { TaskEventEmitter, type TaskEvents } from './events.js';
import { Groups } from './groups.js';
import { callTask, type CallOptions } from './interactive.js';
import { Keyspace } from './keys.js';
import type { TaskResultRecord } from './records.js';
import { TaskRegistry, type AnyTask } from './registry.js';
import { ResultWaiter } from './results.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import type { AppServices } from './services.js';
import { readStatus, type AppStatus } from './status.js';
import { Submitter, type SubmitManyItem } from './submitter.js';
import { Telemetry, type TelemetryOption } from './telemetry.js';
import { readTimetable, type Timetable } from './timetable.js';
import type { BaseTask, SubmitOptions, TaskClass, TaskHandle, TaskLogger } from './task.js';
import { Worker, type WorkerOptions } from './worker.js';

/** Options of {@link createTaskApp}. */
export interface TaskAppOptions<Deps = unknown> {
  /** The Redis adapter (`createIoredisAdapter` / `createNodeRedisAdapter`). */
  readonly redis: RedisAdapter;
  /** Every task class the app runs. Names (`static taskName`, else the class name) must be unique. */
  readonly tasks: ReadonlyArray<new (args: never) => BaseTask<unknown, unknown>>;
  /** Key prefix (and cluster hash tag) of every key of the app. Default `'tasks'`. */
  readonly prefix?: string;
  /**
   * How many hash tags (shards) the app's task state is spread over, so one app can use every
   * master of a Redis Cluster: shard `i` lives under `{prefix:i}` (with 1, the default, every
   * key stays under `{prefix}`). Tasks go to a shard by their id (or `shardKey`); workers read
   * every shard; results, the DLQ, events and lookups by id work the same. The app-wide keys
   * (workers, scheduler) live on shard 0. Every process of an app must use the same value: a
   * process with another one refuses to start (`ShardLayoutError`). Default 1.
   */
  readonly shards?: number;
  /**
   * Task locks built without a prefix (the defaults: `MutexLock(TASK, name)`, the task's
   * limiters, ...) live under the app's prefix — `{tasks}:lock:mutex:task:Tick` — so two apps
   * on one Redis never block each other and an ACL rule of `~{prefix}*` covers everything.
   * `true` shares them instead (`lock:mutex:task:Tick`): apps with the same task names then
   * lock each other out, as separate deployments of one app should. Default `false`.
   */
  readonly sharedLocks?: boolean;
  /**
   * Dependencies handed to tasks as `ctx.deps`. In a plain object, entries made with
   * `perRun({ setup, teardown })` are created for each run (see `perRun`), and reading a name
   * that is not there throws `MissingDependencyError` naming it.
   */
  readonly dependencies?: Deps;
  /** How long results are kept. Default 24 h. */
  readonly resultTtlMs?: number;
  /** Largest serialised payload accepted at submit. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /**
   * Length the event stream (`{prefix}:events`, every lifecycle transition) is capped at,
   * approximately. `0` turns it off. Default 10 000.
   */
  readonly eventsMaxLen?: number;
  /**
   * How many finished tasks of each status (`succeeded`, `failed`, `cancelled`) `app.list`
   * can show, newest first. Default 10 000.
   */
  readonly historyMaxLen?: number;
  /** Where warnings go. Default `console`. */
  readonly logger?: TaskLogger;
  /**
   * Configuration (validated at construction; see `TasksConfig`): `periodic.<task>` (enabled,
   * schedule or interval_seconds, args), `limits.<object type>.<object id | default>` (rate and
   * concurrency limits on every lock of that object), `tasks.<task>` (retry, priority), and
   * `vo_overrides.<vo>` with the same sections — or a DiracX `common` + `vo_overrides` file.
   */
  readonly config?: TasksConfigInput | TasksConfig;
  /**
   * OpenTelemetry traces and metrics, through `@opentelemetry/api` (an optional peer
   * dependency): spans for submit, execution and the scheduler's submissions, with the trace
   * context carried in each task's payload; counters and histograms by task name; queue gauges
   * with `{ queueMetrics: true }`. Nothing is recorded until the application registers an SDK.
   * `false` turns it all off (no span, no metric, no trace context in payloads). Default `true`.
   */
  readonly telemetry?: TelemetryOption;
  /**
   * Where dead-letter entries are kept (default: in Redis, under the prefix). Tasks are still
   * dead-lettered in Redis atomically with their ack; every worker and scheduler of this app
   * then forwards the entries to this store (e.g. `@tasks/dlq-postgres`), deleting each from
   * Redis only after the store has committed it. The app does not close the store.
   */
  readonly deadLetterStore?: DeadLetterStore;
  /** How entries are forwarded to `deadLetterStore` (poll interval, batch size, backoff). */
  readonly deadLetterForwarding?: DeadLetterForwardingOptions;
}

function nonNegativeInteger(value: number, path: string, positive = false): number {
  if (!Number.isInteger(value) || value < (positive ? 1 : 0))
    throw new TaskConfigError(path, `must be a ${positive ? 'positive' : 'non-negative'} integer`);
  return value;
}

/**
 * A task app: submits tasks to Redis Streams, creates workers and schedulers, runs tasks
 * interactively, and exposes results, status and the dead-letter queue. It composes the
 * app's services (broker, task registry, submitter, groups, dependencies) once and hands
 * them to what it creates.
 *
 * @example
 * ```ts
 * const app = createTaskApp({ redis: createIoredisAdapter(url), tasks: [SendEmail] });
 * const worker = app.createWorker({ concurrency: 20 });
 * void worker.run();
 * const handle = await app.submit(new SendEmail({ to: 'a@b.c' }));
 * console.log(await handle.result({ timeoutMs: 5_000 }));
 * await app.close();
 * ```
 */
export class TaskApp<Deps = unknown> {
  readonly redis: RedisAdapter;
  readonly keys: Keyspace;
  readonly #emitter = new TaskEventEmitter();
  readonly dlq: DeadLetterQueue;
  readonly #services: AppServices;
  readonly #results: ResultWaiter;
  readonly #inspector: Inspector;
  readonly #control: Control;
  readonly #layout: LayoutCheck;
  readonly #owned = new Set<Worker | Scheduler>();
  readonly #forwarder: DeadLetterForwarder | null;
  #closing: Promise<void> | undefined;

  constructor(options: TaskAppOptions<Deps>) {
    this.redis = options.redis;
    this.keys = new Keyspace(options.prefix ?? 'tasks', options.shards ?? 1);
    const resultTtlMs = nonNegativeInteger(options.resultTtlMs ?? 86_400_000, 'resultTtlMs', true);
    const eventsMaxLen = nonNegativeInteger(options.eventsMaxLen ?? 10_000, 'eventsMaxLen');
    const historyMaxLen = nonNegativeInteger(options.historyMaxLen ?? 10_000, 'historyMaxLen');
    const maxPayloadBytes = nonNegativeInteger(
      options.maxPayloadBytes ?? 1024 * 1024,
      'maxPayloadBytes',
      true,
    );
    const lockPrefix = options.sharedLocks ? null : this.keys.root;
    const registry = new TaskRegistry(options.tasks, loadTasksConfig(options.config ?? {}), lockPrefix);
    const brokers = new Brokers(this.redis, this.keys, {
      resultTtlMs,
      eventsMaxLen,
      historyMaxLen,
      control: this.keys.control,
    });
    this.#results = new ResultWaiter(this.redis, this.keys);
    const telemetry = Telemetry.create(options.telemetry, this.#emitter, () => this.status());
    const submitter = new Submitter(registry, brokers, maxPayloadBytes, (id) => this.handle(id), telemetry);
    const groups = new Groups(this.redis, this.keys, submitter, brokers, this.#emitter);
    this.#layout = new LayoutCheck(this.redis, this.keys);
    this.#services = {
      redis: this.redis,
      keys: this.keys,
      brokers,
      layout: this.#layout,
      registry,
      submitter,
      groups,
      dependencies: new Dependencies(options.dependencies),
      events: this.#emitter,
      logger: options.logger ?? console,
      telemetry,
    };
    this.#forwarder = options.deadLetterStore
      ? new DeadLetterForwarder(
          new RedisDeadLetterStore(this.redis, this.keys),
          options.deadLetterStore,
          this.#emitter,
          this.#services.logger,
          options.deadLetterForwarding,
        )
      : null;
    const forwarder = this.#forwarder;
    if (forwarder) this.#emitter.on('deadLettered', () => forwarder.wake());
    this.dlq = new DeadLetterQueue(
      this.redis,
      this.keys,
      brokers,
      registry,
      submitter,
      (id) => this.handle(id),
      options.deadLetterStore && forwarder ? { store: options.deadLetterStore, forwarder } : null,
    );
    this.#inspector = new Inspector(this.redis, this.keys);
    this.#control = new Control(this.redis, this.keys, brokers, groups, this.#emitter);
  }

  /** The configuration in force. */
  get config(): TasksConfig {
    return this.#services.registry.config;
  }

  /**
   * Replaces the configuration while the app runs (validated first: on error the old one
   * stays). Locks, retry policies and priorities use it for the next tasks; schedulers apply
   * schedule and `enabled` changes at their next tick.
   * @throws TaskConfigError naming the path of the bad key or value.
   * @example
   * ```ts
   * app.reconfigure(await loadTasksConfigFile('./tasks.overrides.yaml')); // e.g. on SIGHUP
   * ```
   */
  reconfigure(config: TasksConfigInput | TasksConfig): void {
    this.#services.registry.reconfigure(loadTasksConfig(config));
  }

  /** Names of the registered tasks. */
  get taskNames(): string[] {
    return this.#services.registry.names;
  }

  /** The registered class of a task name. @throws UnknownTaskError */
  taskClass(name: string): TaskClass {
    return this.#services.registry.classOf(name);
  }

  /** Listens to this process's events (`started`, `succeeded`, `failed`, `retried`, ...). */
  on<E extends keyof TaskEvents>(event: E, listener: (payload: TaskEvents[E]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  /**
   * The locks a task runs under: its `executionLocks`, with the configured `limits` applied to
   * every object they lock and to `(TASK, taskName)`: a configured rate or concurrency limit
   * replaces the task's own limiter on that object, or is added on it.
   */
  locksOf(task: AnyTask): BaseLock[] {
    return this.#services.registry.locksOf(task);
  }

  /** The schedule of a periodic task class: configured, else its `defaultSchedule`; null if none. */
  scheduleOf(cls: TaskClass, vo: string | null = null): Schedule | null {
    return this.#services.registry.scheduleOf(cls, vo);
  }

  /** The retry policy a task runs with (configured, else its own). */
  retryPolicyOf(task: AnyTask): RetryPolicy {
    return this.#services.registry.retryPolicyOf(task);
  }

  /**
   * Submits a task: validates its arguments (plain JSON data, then its `argsSchema`), and
   * adds it to the stream of its priority and size — or to the delayed set with `at`/`delayMs`.
   * A submit cut off by a short Redis outage (a restart, a fail-over) is sent again for up to
   * 5 s with its task id checked, so it is never queued twice; a longer outage rejects with the
   * adapter's error (`RedisUnreachableError`).
   * @throws InvalidTaskArgumentsError naming the task and field; PayloadTooLargeError; UnknownTaskError.
   */
  submit<R>(task: BaseTask<unknown, R>, options: SubmitOptions = {}): Promise<TaskHandle<R>> {
    const submitter = this.#services.submitter;
    return this.#layout.ensure().then(() => submitter.submit(task, options)) as Promise<TaskHandle<R>>;
  }

  /**
   * Submits many tasks in one round trip (pipelined script calls, 500 tasks each): every task
   * is validated first, so an invalid one queues nothing. Each item is a task, or a task with
   * its own submit options. Returns a handle per task, in order.
   * @example
   * ```ts
   * const handles = await app.submitMany(files.map((f) => new Resize({ file: f })));
   * ```
   */
  submitMany(items: ReadonlyArray<AnyTask | SubmitManyItem>): Promise<Array<TaskHandle<unknown>>> {
    const list = items.map((item): SubmitManyItem => (isBulkItem(item) ? item : { task: item }));
    const submitter = this.#services.submitter;
    return this.#layout.ensure().then(() => submitter.submitMany(list));
  }

  /**
   * Where a task is now — queued (stream, position), delayed (due time), running (worker,
   * since, attempt, locks, progress) — or its outcome record; `null` for an id no task has.
   */
  inspect(id: string): Promise<TaskInspection | null> {
    return this.#inspector.inspect(id);
  }

  /**
   * A page of tasks in a state (`queued`, `delayed`, `running`, `succeeded`, `failed`,
   * `dead-lettered`, `cancelled`: `TASK_LIST_STATES`); pass the returned `cursor` for
   * the next page. Finished
   * states list the newest first (up to `historyMaxLen` of each).
   */
  list(options: ListOptions): Promise<TaskPage> {
    return this.#inspector.list(options);
  }

  /**
   * Cancels a task: a queued or delayed one is removed at once and recorded as `cancelled`;
   * a running one has its `ctx.signal` aborted with `TaskCancelledError` and ends `cancelled`.
   * `result()` then rejects with `TaskFailedError` (status `cancelled`), and its fan-in group
   * fails. Idempotent. @throws UnknownTaskIdError for an id no task has.
   */
  cancel(id: string): Promise<CancelResult> {
    return this.#control.cancel(id);
  }

  /** Workers stop fetching the selected streams (all by default); queued tasks stay, running ones finish. */
  pause(selector?: StreamSelector): Promise<void> {
    return this.#control.pause(selector);
  }

  /** Workers fetch the selected streams (all by default) again. */
  resume(selector?: StreamSelector): Promise<void> {
    return this.#control.resume(selector);
  }

  /**
   * The app's lifecycle events, from any process: an async iterator over the capped event
   * stream (`submitted`, `started`, `progress`, `succeeded`, `failed`, `retried`,
   * `rescheduled`, `deadLettered`, `cancelled`, `replayed`, `workerUp`, `workerDown`), on a
   * connection of its own. Stop it with `options.signal` or by leaving the `for await` loop.
   * @example
   * ```ts
   * for await (const event of app.events({ from: '0', signal })) console.log(event.type, event.data);
   * ```
   */
  events(options?: EventsOptions): AsyncGenerator<StreamedEvent, void, undefined> {
    return readEvents(this.redis, this.keys, options);
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
   * stop it. Run as many as you like: one leads (and also promotes delayed tasks), the others
   * stand by.
   * @throws TaskConfigError for an unknown `misfire` or a bad `leaseMs`, `tickMs` or `summaryIntervalMs`.
   */
  createScheduler(options: SchedulerOptions = {}): Scheduler {
    return this.#own(new Scheduler(this.#services, options));
  }

  /** Creates a worker; call `run()` to start it and `close()` to stop it. */
  createWorker(options: WorkerOptions = {}): Worker {
    return this.#own(new Worker(this.#services, options));
  }

  #own<T extends Worker | Scheduler>(part: T): T {
    if (this.#closing) throw new TaskConfigError('app', 'the app is closed');
    this.#owned.add(part);
    this.#forwarder?.start(); // entries reach the external store wherever tasks run
    return part;
  }

  /**
   * Runs a task here and now (interactive mode): its structural locks are acquired (waiting
   * up to `waitMs`) and kept alive, limiters are skipped, per-run dependencies are set up and
   * torn down, no broker is involved.
   * @returns what `execute` returned. @throws what it threw, LockUnavailableError, or
   *   MissingDependencyError when it reads a dependency the app was not given.
   */
  call<R>(task: BaseTask<unknown, R>, options: CallOptions = {}): Promise<R> {
    return callTask(this.#services, task, options) as Promise<R>;
  }

  /**
   * The scheduler's timetable as stored in Redis — each periodic entry's next run, last run,
   * skipped overlaps, status (`active`, `ended`, `disabled`, `failing`) and schedule — and the
   * leader with its lease. Entries appear once a scheduler has led.
   */
  timetable(): Promise<Timetable> {
    return readTimetable(this.redis, this.keys);
  }

  /**
   * On a Redis Cluster, which master serves each of the app's shards, and a warning when the
   * shards do not cover as many masters as they could (workers log it at start); `null` off
   * a cluster. Needs the `CLUSTER` command (`+cluster|slots`).
   */
  shardPlacement(): Promise<{
    placement: ShardPlacement[];
    masters: number;
    warning: string | null;
  } | null> {
    return shardPlacement(this.redis, this.keys);
  }

  /** Queue depths per stream, delayed and dead-lettered counts, running entries and live workers. */
  status(): Promise<AppStatus> {
    return readStatus(this.redis, this.keys);
  }

  /**
   * Shuts the app down: closes every worker (gracefully, within `timeoutMs`, default 10 s)
   * and scheduler it created, then — unless `closeRedis: false` — the Redis adapter (which
   * closes its own connections, never a client you passed to the adapter). Idempotent.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void app.close());
   * ```
   */
  close(options: { timeoutMs?: number; closeRedis?: boolean } = {}): Promise<void> {
    this.#closing ??= (async () => {
      const parts = [...this.#owned];
      this.#owned.clear();
      await this.#forwarder?.stop();
      await Promise.all(
        parts.map((part) =>
          part instanceof Worker ? part.close({ timeoutMs: options.timeoutMs ?? 10_000 }) : part.close(),
        ),
      );
      this.#services.telemetry.close();
      if (options.closeRedis ?? true) await this.redis.close();
    })();
    return this.#closing;
  }
}

function isBulkItem(item: AnyTask | SubmitManyItem): item is SubmitManyItem {
  return typeof item === 'object' && item !== null && 'task' in item && typeof item.task === 'object';
}

/** Creates a {@link TaskApp}. */
export function createTaskApp<Deps = unknown>(options: TaskAppOptions<Deps>): TaskApp<Deps> {
  return new TaskApp(options);
}
