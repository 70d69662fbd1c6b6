import { readFile } from 'node:fs/promises';
import { retryPolicyFromData, type RetryPolicy } from '@tasks/retry';
import { scheduleFromData, type Schedule } from '@tasks/schedules';
import { parse as parseYaml } from 'yaml';
import { Priority } from './enums.js';
import { TaskConfigError } from './errors.js';

/** Per-task settings a deployment can change without code. Every field is optional. */
export interface TaskOverride {
  /** `false` stops the scheduler from submitting a periodic task. */
  readonly enabled?: boolean;
  /** Replaces a periodic task's `defaultSchedule` (plain schedule data). */
  readonly schedule?: unknown;
  /** Enables (or changes, or with `null` disables) the task's `RateLimiter` on `(TASK, name)`. */
  readonly rateLimit?: { readonly limit: number; readonly windowSeconds: number } | null;
  /** Enables (or changes, or with `null` disables) the task's `ConcurrencyLimiter` on `(TASK, name)`. */
  readonly concurrencyLimit?: number | null;
  /** Replaces the retry policy (plain policy data, e.g. `{ kind: 'exponential', maxRetries: 3 }`). */
  readonly retry?: unknown;
  /** Replaces the priority. */
  readonly priority?: Priority;
}

/** Configuration overrides: per task (`tasks`), and per VO (`vos.<vo>.<task>`, merged over `tasks`). */
export interface TasksConfigInput {
  readonly tasks?: Readonly<Record<string, TaskOverride>>;
  readonly vos?: Readonly<Record<string, Readonly<Record<string, TaskOverride>>>>;
}

/** A validated override, with schedule and retry policy built. */
export interface ResolvedOverride {
  readonly enabled: boolean;
  readonly schedule?: Schedule;
  readonly rateLimit?: { readonly limit: number; readonly windowSeconds: number } | null;
  readonly concurrencyLimit?: number | null;
  readonly retry?: RetryPolicy;
  readonly priority?: Priority;
}

const OVERRIDE_FIELDS = new Set([
  'enabled',
  'schedule',
  'rateLimit',
  'concurrencyLimit',
  'retry',
  'priority',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TaskConfigError(path, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function resolveOverride(raw: unknown, path: string): Partial<ResolvedOverride> {
  if (!isRecord(raw)) throw new TaskConfigError(path, `expected an object, got ${JSON.stringify(raw)}`);
  for (const key of Object.keys(raw))
    if (!OVERRIDE_FIELDS.has(key)) throw new TaskConfigError(`${path}.${key}`, 'unknown setting');
  const out: { -readonly [K in keyof ResolvedOverride]?: ResolvedOverride[K] } = {};
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean')
      throw new TaskConfigError(`${path}.enabled`, 'expected true or false');
    out.enabled = raw.enabled;
  }
  if (raw.schedule !== undefined)
    out.schedule = wrap(`${path}.schedule`, () => scheduleFromData(raw.schedule, `${path}.schedule`));
  if (raw.rateLimit !== undefined) {
    if (raw.rateLimit === null) out.rateLimit = null;
    else if (!isRecord(raw.rateLimit))
      throw new TaskConfigError(`${path}.rateLimit`, 'expected { limit, windowSeconds } or null');
    else {
      const windowSeconds = raw.rateLimit.windowSeconds;
      if (typeof windowSeconds !== 'number' || !(windowSeconds > 0) || !Number.isFinite(windowSeconds)) {
        throw new TaskConfigError(
          `${path}.rateLimit.windowSeconds`,
          `expected a positive number, got ${JSON.stringify(windowSeconds)}`,
        );
      }
      out.rateLimit = {
        limit: positiveInteger(raw.rateLimit.limit, `${path}.rateLimit.limit`),
        windowSeconds,
      };
    }
  }
  if (raw.concurrencyLimit !== undefined) {
    out.concurrencyLimit =
      raw.concurrencyLimit === null
        ? null
        : positiveInteger(raw.concurrencyLimit, `${path}.concurrencyLimit`);
  }
  if (raw.retry !== undefined)
    out.retry = wrap(`${path}.retry`, () => retryPolicyFromData(raw.retry, `${path}.retry`));
  if (raw.priority !== undefined) {
    if (!Object.values(Priority).includes(raw.priority as Priority)) {
      throw new TaskConfigError(
        `${path}.priority`,
        `expected one of ${Object.values(Priority).join(', ')}, got ${JSON.stringify(raw.priority)}`,
      );
    }
    out.priority = raw.priority as Priority;
  }
  return out;
}

function wrap<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof TaskConfigError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const fieldPath = (error as { path?: unknown }).path;
    const where = typeof fieldPath === 'string' && fieldPath.startsWith(path) ? fieldPath : path;
    const wrapped = new TaskConfigError(where, message);
    (wrapped as { cause?: unknown }).cause = error;
    throw wrapped;
  }
}

/**
 * Validated configuration overrides. Build it with {@link loadTasksConfig} (an object) or
 * {@link loadTasksConfigFile} (JSON or YAML); a bad value is rejected at load with the field's
 * path in the message (`tasks.SendEmail.rateLimit.limit: expected a positive integer`).
 */
export class TasksConfig {
  readonly #tasks = new Map<string, Partial<ResolvedOverride>>();
  readonly #vos = new Map<string, Map<string, Partial<ResolvedOverride>>>();

  constructor(input: TasksConfigInput = {}, source = 'config') {
    const raw: unknown = input;
    if (!isRecord(raw)) throw new TaskConfigError(source, 'expected an object');
    for (const key of Object.keys(raw))
      if (key !== 'tasks' && key !== 'vos')
        throw new TaskConfigError(`${source}: ${key}`, "unknown section (expected 'tasks' or 'vos')");
    if (raw.tasks !== undefined) {
      if (!isRecord(raw.tasks)) throw new TaskConfigError('tasks', 'expected an object keyed by task name');
      for (const [name, value] of Object.entries(raw.tasks))
        this.#tasks.set(name, resolveOverride(value, `tasks.${name}`));
    }
    if (raw.vos !== undefined) {
      if (!isRecord(raw.vos)) throw new TaskConfigError('vos', 'expected an object keyed by VO');
      for (const [vo, tasks] of Object.entries(raw.vos)) {
        if (!isRecord(tasks)) throw new TaskConfigError(`vos.${vo}`, 'expected an object keyed by task name');
        const map = new Map<string, Partial<ResolvedOverride>>();
        for (const [name, value] of Object.entries(tasks))
          map.set(name, resolveOverride(value, `vos.${vo}.${name}`));
        this.#vos.set(vo, map);
      }
    }
  }

  /** Task names the configuration mentions (to check them against the registered tasks). */
  get taskNames(): string[] {
    const names = new Set(this.#tasks.keys());
    for (const map of this.#vos.values()) for (const name of map.keys()) names.add(name);
    return [...names];
  }

  /** The settings of a task (for a VO: its VO entry's fields over the common ones). */
  override(taskName: string, vo: string | null = null): ResolvedOverride {
    const common = this.#tasks.get(taskName) ?? {};
    const specific = vo === null ? {} : (this.#vos.get(vo)?.get(taskName) ?? {});
    return { enabled: true, ...common, ...specific };
  }
}

/** Validates an overrides object. @throws TaskConfigError naming the field's path. */
export function loadTasksConfig(input: TasksConfigInput | TasksConfig): TasksConfig {
  return input instanceof TasksConfig ? input : new TasksConfig(input);
}

/** Reads and validates a JSON or YAML overrides file. @throws TaskConfigError naming the file and field. */
export async function loadTasksConfigFile(path: string): Promise<TasksConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TaskConfigError(path, `cannot read the file: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TaskConfigError(
      path,
      `not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  try {
    return new TasksConfig(data ?? {});
  } catch (error) {
    if (error instanceof TaskConfigError)
      throw new TaskConfigError(
        `${path}: ${error.path}`,
        error.message.replace(/^Invalid configuration at [^:]+: /, ''),
      );
    throw error;
  }
}
