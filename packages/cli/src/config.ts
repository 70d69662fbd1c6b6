import { dirname, resolve } from 'node:path';
import {
  BaseTask,
  loadTasksConfig,
  type DeadLetterStore,
  loadTasksConfigFile,
  taskNameOf,
  type SchedulerOptions,
  type TasksConfig,
  type TasksConfigInput,
} from '@tasks/core';
import { isTasksError } from '@tasks/redis';
import { ConfigFileError, describeThrown, stringField } from './errors.js';

/** A task class, as `createTaskApp({ tasks })` takes it. */
export type ConfigTaskClass = new (args: never) => BaseTask<unknown, unknown>;

/**
 * What a `tasks.config.(ts|js|mjs)` file exports (as default, or as `config`).
 *
 * @example
 * ```ts
 * // tasks.config.ts
 * import { defineConfig } from '@tasks/cli';
 * import { SendEmail, NightlyReport } from './src/tasks.js';
 *
 * export default defineConfig({
 *   tasks: [SendEmail, NightlyReport],
 *   prefix: 'myapp',
 *   overrides: './tasks.overrides.yaml',
 *   vos: ['lhcb', 'atlas'],
 * });
 * ```
 */
export interface TasksCliConfig<Deps = unknown> {
  /** Every task class the app runs (names must be unique). Required, non-empty. */
  readonly tasks: readonly ConfigTaskClass[];
  /** Redis URL, used when neither `--redis-url` nor `TASKS_REDIS_URL` is set. */
  readonly redisUrl?: string;
  /** Key prefix of the app (default `'tasks'`); `--prefix` wins over it. */
  readonly prefix?: string;
  /**
   * Configuration overrides (per-task schedule, limits, retry, priority; per-VO overrides): an
   * object, or the path of a JSON or YAML file, relative to the config file.
   */
  readonly overrides?: TasksConfigInput | string;
  /** Handed to tasks as `ctx.deps`. */
  readonly dependencies?: Deps;
  /** VOs of the `PeriodicVoAwareBaseTask`s (scheduler, `schedules`); `--vos` wins over it. */
  readonly vos?: SchedulerOptions['vos'];
  /**
   * Where the dead-letter queue is kept (e.g. `createPostgresDeadLetterStore(...)` from
   * `@tasks/dlq-postgres`); `tasks dlq ...` and the workers and scheduler the CLI runs use it.
   * Default: Redis.
   */
  readonly deadLetterStore?: DeadLetterStore;
}

/**
 * Identity helper that types a config file's export.
 * @returns `config`, unchanged.
 *
 * @example
 * ```ts
 * export default defineConfig({ tasks: [SendEmail], prefix: 'myapp' });
 * ```
 */
export function defineConfig<Deps = unknown>(config: TasksCliConfig<Deps>): TasksCliConfig<Deps> {
  return config;
}

/** A config file, loaded and checked. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  readonly tasks: readonly ConfigTaskClass[];
  readonly redisUrl: string | undefined;
  readonly prefix: string | undefined;
  readonly overrides: TasksConfig;
  readonly dependencies: unknown;
  readonly vos: SchedulerOptions['vos'];
  readonly deadLetterStore: DeadLetterStore | undefined;
}

const FIELDS = ['tasks', 'redisUrl', 'prefix', 'overrides', 'dependencies', 'vos', 'deadLetterStore'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks what a config module exported, field by field, and loads its overrides.
 * @throws ConfigFileError naming the file and the field.
 */
export async function validateConfig(file: string, raw: unknown): Promise<LoadedConfig> {
  const fail = (field: string | null, problem: string): ConfigFileError =>
    new ConfigFileError(file, field, problem);
  if (!isRecord(raw))
    throw fail(null, `expected it to export an object like { tasks: [...] }, got ${typeName(raw)}`);
  for (const key of Object.keys(raw))
    if (!FIELDS.includes(key)) throw fail(key, `unknown field (expected one of ${FIELDS.join(', ')})`);
  const tasks = checkTasks(raw.tasks, fail);
  const redisUrl = optionalString(raw.redisUrl, 'redisUrl', fail);
  const prefix = optionalString(raw.prefix, 'prefix', fail);
  if (prefix === '') throw fail('prefix', 'must not be empty');
  const vos = raw.vos;
  if (vos !== undefined && typeof vos !== 'function') {
    if (!Array.isArray(vos) || !vos.every((vo) => typeof vo === 'string' && vo !== ''))
      throw fail('vos', `expected an array of VO names (or a function returning one), got ${typeName(vos)}`);
  }
  const overrides = await loadOverrides(file, raw.overrides, fail);
  const known = new Set(tasks.map((cls) => taskNameOf(cls)));
  const unknown = overrides.taskNames.find((name) => !known.has(name));
  if (unknown !== undefined)
    throw fail(
      'overrides',
      `names a task that is not in tasks: '${unknown}' (known: ${[...known].join(', ')})`,
    );
  return {
    file,
    tasks,
    redisUrl,
    prefix,
    overrides,
    dependencies: raw.dependencies,
    vos: vos as SchedulerOptions['vos'],
    deadLetterStore: checkStore(raw.deadLetterStore, fail),
  };
}

function checkStore(
  value: unknown,
  fail: (field: string | null, problem: string) => ConfigFileError,
): DeadLetterStore | undefined {
  if (value === undefined) return undefined;
  const methods = ['add', 'get', 'list', 'size', 'claimReplay', 'finishReplay', 'purge'] as const;
  const store = value as Record<string, unknown> | null;
  const missing = methods.find((m) => typeof store?.[m] !== 'function');
  if (missing !== undefined)
    throw fail(
      'deadLetterStore',
      `expected a DeadLetterStore (no ${missing}() method), got ${typeName(value)}`,
    );
  return value as DeadLetterStore;
}

function checkTasks(
  value: unknown,
  fail: (field: string | null, problem: string) => ConfigFileError,
): ConfigTaskClass[] {
  if (value === undefined) throw fail('tasks', 'is required: a list of task classes');
  if (!Array.isArray(value) || value.length === 0)
    throw fail('tasks', `expected a non-empty array of task classes, got ${typeName(value)}`);
  return value.map((cls: unknown, i) => {
    if (typeof cls === 'function' && cls.prototype instanceof BaseTask) return cls as ConfigTaskClass;
    const field = `tasks[${i}]`;
    if (typeof cls === 'function' && typeof (cls.prototype as { execute?: unknown }).execute === 'function')
      throw fail(
        field,
        `${cls.name} does not extend the BaseTask of the @tasks/core the CLI uses: ` +
          'two copies of @tasks/core are installed (check `npm ls @tasks/core`)',
      );
    throw fail(field, `expected a class extending BaseTask, got ${typeName(cls)}`);
  });
}

function optionalString(
  value: unknown,
  field: string,
  fail: (field: string | null, problem: string) => ConfigFileError,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fail(field, `expected a string, got ${typeName(value)}`);
  return value;
}

async function loadOverrides(
  file: string,
  value: unknown,
  fail: (field: string | null, problem: string) => ConfigFileError,
): Promise<TasksConfig> {
  try {
    if (typeof value === 'string') return await loadTasksConfigFile(resolve(dirname(file), value));
    if (value === undefined || isRecord(value)) return loadTasksConfig(value ?? {});
  } catch (error) {
    if (!isTasksError(error) || error.code !== 'TASK_CONFIG') throw error;
    const path = stringField(error, 'path');
    const label = `Invalid configuration at ${path}: `;
    const message = describeThrown(error.message);
    const problem = message.startsWith(label) ? message.slice(label.length) : message;
    throw fail(typeof value === 'string' ? `overrides file ${path}` : `overrides.${path}`, problem);
  }
  throw fail('overrides', `expected an object or the path of a JSON/YAML file, got ${typeName(value)}`);
}

/** `a string`, `null`, `an array`, `the number 42`... for messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return `the function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `the ${typeof value} ${value.toString()}`;
  return typeof value;
}
