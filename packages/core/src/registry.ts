import { registeredLockedObjectTypes, type BaseLock } from '@tasks/locks';
import type { RetryPolicy } from '@tasks/retry';
import type { Schedule } from '@tasks/schedules';
import { applyConfiguredLimits } from './config-locks.js';
import type { ConfiguredLimits, TasksConfig } from './config.js';
import { streamIndex, type Priority, type Size } from './enums.js';
import { TaskConfigError, UnknownTaskError } from './errors.js';
import { unknownNameProblem } from './nearest.js';
import {
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  taskNameOf,
  type BaseTask,
  type TaskClass,
} from './task.js';

/** Any task instance. */
export type AnyTask = BaseTask<unknown, unknown>;

/**
 * @internal The task classes of an app and the configuration over them: the one place that
 * says which locks, retry policy, priority, size and schedule a task runs with.
 */
export class TaskRegistry {
  readonly #classes = new Map<string, TaskClass>();
  #config: TasksConfig;

  /**
   * @param lockPrefix - put every task lock built without a prefix under this one (the app's
   *   hash tag), or `null` to leave them shared between apps.
   */
  constructor(
    tasks: ReadonlyArray<new (args: never) => AnyTask>,
    config: TasksConfig,
    private readonly lockPrefix: string | null = null,
  ) {
    for (const given of tasks) {
      const cls = given as unknown as TaskClass;
      const name = taskNameOf(cls);
      const existing = this.#classes.get(name);
      if (existing && existing !== cls)
        throw new TaskConfigError(
          `tasks.${name}`,
          'two task classes share this name; set a unique static taskName',
        );
      this.#classes.set(name, cls);
    }
    checkConfig(config, this.#classes);
    this.#config = config;
  }

  /** The configuration in force. */
  get config(): TasksConfig {
    return this.#config;
  }

  /**
   * Replaces the configuration (checked first: on error the old one stays). Locks, retry
   * policies and priorities read it per task; the scheduler applies it at its next tick.
   * @throws TaskConfigError naming the path of an unknown task or object type.
   */
  reconfigure(config: TasksConfig): void {
    checkConfig(config, this.#classes);
    this.#config = config;
  }

  /** Registered task names, sorted. */
  get names(): string[] {
    return [...this.#classes.keys()].sort();
  }

  /** Every registered class. */
  get classes(): IterableIterator<TaskClass> {
    return this.#classes.values();
  }

  /** The class of a name, or undefined. */
  find(name: string): TaskClass | undefined {
    return this.#classes.get(name);
  }

  /** The class of a name. @throws UnknownTaskError */
  classOf(name: string): TaskClass {
    const cls = this.#classes.get(name);
    if (!cls) throw new UnknownTaskError(name, this.names);
    return cls;
  }

  /** The registered name of a task instance. @throws UnknownTaskError when its class is not registered. */
  nameOf(task: AnyTask): string {
    const name = task.taskName;
    const cls = this.#classes.get(name);
    if (!cls || !(task instanceof cls)) throw new UnknownTaskError(name, this.names);
    return name;
  }

  /**
   * The locks a task runs under: its `executionLocks`, with the configured limits applied to
   * every object they lock and to `(TASK, taskName)` (see `applyConfiguredLimits`).
   */
  locksOf(task: AnyTask): BaseLock[] {
    const locks = applyConfiguredLimits(task.executionLocks, task.taskName, this.#limitsOf(voOf(task)));
    const prefix = this.lockPrefix;
    return prefix === null
      ? locks
      : locks.map((lock) => (lock.prefix === '' ? lock.withPrefix(prefix) : lock));
  }

  /** The configured limits of an object, for a task of `vo`. */
  #limitsOf(vo: string | null): (objectType: string, objectId: string | number) => ConfiguredLimits {
    return (objectType, objectId) => this.#config.limits(objectType, objectId, vo);
  }

  /** The retry policy a task runs with (configured, else its own). */
  retryPolicyOf(task: AnyTask): RetryPolicy {
    return this.#config.task(task.taskName, voOf(task)).retry ?? task.retryPolicy;
  }

  /** The longest a run of `task` may take, in ms, or `null` for no limit (its own `timeoutMs`). */
  timeoutOf(task: AnyTask): number | null {
    const ms = task.timeoutMs;
    if (ms === null || ms === undefined) return null;
    if (!Number.isFinite(ms) || ms <= 0)
      throw new TaskConfigError(
        `${task.taskName}.timeoutMs`,
        `must be a positive number of ms or null, got ${ms}`,
      );
    return ms;
  }

  /** The priority a task is queued with (configured, else its own). */
  priorityOf(task: AnyTask): Priority {
    return this.#config.task(task.taskName, voOf(task)).priority ?? task.priority;
  }

  /** The size a task is queued with. */
  sizeOf(task: AnyTask): Size {
    return task.size;
  }

  /** Index (0–8) of the stream a task is queued on. */
  streamOf(task: AnyTask): number {
    return streamIndex(this.priorityOf(task), this.sizeOf(task));
  }

  /** The schedule of a periodic task class (for a VO): configured, else its `defaultSchedule`; null if none. */
  scheduleOf(cls: TaskClass, vo: string | null = null): Schedule | null {
    const configured = this.#config.periodic(taskNameOf(cls), vo).schedule;
    return configured ?? (cls as unknown as typeof PeriodicBaseTask).defaultSchedule ?? null;
  }

  /** Whether configuration leaves a periodic task enabled (for the scheduler). */
  isEnabled(taskName: string, vo: string | null): boolean {
    return this.#config.periodic(taskName, vo).enabled;
  }

  /** The arguments the scheduler submits a periodic task with (configured, else `{}`; plus `vo`). */
  periodicArgsOf(taskName: string, vo: string | null): Record<string, unknown> {
    const args = { ...this.#config.periodic(taskName, vo).args };
    return vo === null ? args : { ...args, vo };
  }

  /** True for a class the scheduler submits. */
  isPeriodic(cls: TaskClass): boolean {
    return cls.prototype instanceof PeriodicBaseTask;
  }

  /** True for a periodic class run once per VO. */
  isVoAware(cls: TaskClass): boolean {
    return cls.prototype instanceof PeriodicVoAwareBaseTask;
  }
}

/** The VO of a VO-aware periodic task, else null. */
export function voOf(task: AnyTask): string | null {
  return task instanceof PeriodicVoAwareBaseTask ? task.vo : null;
}

/**
 * Every task and object type a configuration names must exist, and only periodic tasks may
 * have periodic settings that change something.
 * @throws TaskConfigError at the path of the first bad name, naming the nearest valid one.
 */
function checkConfig(config: TasksConfig, classes: ReadonlyMap<string, TaskClass>): void {
  const names = [...classes.keys()].sort();
  const types = registeredLockedObjectTypes();
  for (const { path, kind, name } of config.mentions) {
    if (kind === 'object type') {
      if (!types.includes(name))
        throw new TaskConfigError(
          path,
          `${unknownNameProblem('object type', name, types)}; register it with registerLockedObjectType()`,
        );
      continue;
    }
    const cls = classes.get(name);
    if (!cls) throw new TaskConfigError(path, unknownNameProblem('task', name, names));
    if (kind === 'periodic task' && !(cls.prototype instanceof PeriodicBaseTask))
      throw new TaskConfigError(path, `${name} is not a periodic task (it does not extend PeriodicBaseTask)`);
    if (cls.prototype instanceof PeriodicVoAwareBaseTask)
      for (const vo of [null, ...config.vos])
        if (config.periodic(name, vo).args?.vo !== undefined)
          throw new TaskConfigError(
            `${path}.args.vo`,
            `${name} is VO-aware: the scheduler sets its vo (from its vos), not the configuration`,
          );
  }
}
