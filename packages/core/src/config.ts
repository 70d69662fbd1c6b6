import { readFile } from 'node:fs/promises';
import type { RetryPolicy } from '@tasks/retry';
import type { Schedule, ScheduleData } from '@tasks/schedules';
import { parse as parseYaml } from 'yaml';
import { parseDiracxTasks } from './config-diracx.js';
import {
  checkKeys,
  emptySections,
  join,
  objectAt,
  parseSections,
  SECTION_KEYS,
  type ConfigMention,
  type ResolvedLimit,
  type ResolvedSections,
} from './config-parse.js';
import type { Priority } from './enums.js';
import { TaskConfigError } from './errors.js';
import { unknownNameProblem } from './nearest.js';

/** `periodic.<task>`: when (and with what arguments) the scheduler submits a periodic task. */
export interface PeriodicTaskConfig {
  /** `false` stops the scheduler from submitting it (it is shown as disabled). Default `true`. */
  readonly enabled?: boolean;
  /** Replaces its `defaultSchedule`: a cron expression (UTC), or schedule data (`{ kind: 'rrule', rule, dtstart, timezone }`). */
  readonly schedule?: string | ScheduleData;
  /** Replaces its `defaultSchedule` by `IntervalSeconds(n)`. Not together with `schedule`. */
  readonly interval_seconds?: number;
  /** Arguments it is submitted with (plain JSON data; a VO-aware task's `vo` is added). Default `{}`. */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** `limits.<object type>.<object id | default>`: limits on every lock a task takes of that object. */
export interface LimitConfig {
  /** Units per `rate_window_seconds` (a sliding window); `null` = no rate limit, even one set in code. */
  readonly rate_limit?: number | null;
  /** The rate limit's window, in seconds. Required (here or in `default`) with `rate_limit`. */
  readonly rate_window_seconds?: number | null;
  /** Holders at a time; `null` = no concurrency limit, even one set in code. */
  readonly concurrency_limit?: number | null;
}

/** `tasks.<task>`: how a task is retried and queued. */
export interface TaskSettingsConfig {
  /** Replaces its retry policy: `{ kind: 'none' }` or `{ kind: 'exponential', max_retries?, base_delay_seconds?, max_delay_seconds?, jitter? }` (camelCase works too). */
  readonly retry?: Readonly<Record<string, unknown>>;
  /** Replaces its priority. */
  readonly priority?: Priority | 'realtime' | 'normal' | 'background';
}

/** One scope of configuration: the common one, or one VO's (`vo_overrides.<vo>`). */
export interface TasksConfigSections {
  readonly periodic?: Readonly<Record<string, PeriodicTaskConfig>>;
  readonly limits?: Readonly<Record<string, Readonly<Record<string, LimitConfig>>>>;
  readonly tasks?: Readonly<Record<string, TaskSettingsConfig>>;
}

/** A DiracX `TaskOverride` (`common.<task>`, `vo_overrides.<vo>.<task>`); `null` means "not set". */
export interface DiracxTaskOverride {
  readonly enabled?: boolean | null;
  readonly rate_limit?: number | null;
  readonly rate_window_seconds?: number | null;
  readonly concurrency_limit?: number | null;
  readonly periodic?: {
    readonly enabled?: boolean | null;
    readonly schedule?: string | null;
    readonly interval_seconds?: number | null;
  } | null;
  readonly retry?: TaskSettingsConfig['retry'];
  readonly priority?: TaskSettingsConfig['priority'];
}

type VoOverrides = Readonly<
  Record<string, TasksConfigSections | Readonly<Record<string, DiracxTaskOverride>>>
>;

/**
 * The configuration, as an object or a JSON/YAML file: either the sections shape
 * (`periodic`, `limits`, `tasks`, and `vo_overrides.<vo>` with the same sections) or DiracX's
 * (`common.<task>` and `vo_overrides.<vo>.<task>`; `vo-overrides` is accepted for both).
 */
export interface TasksConfigInput extends TasksConfigSections {
  readonly vo_overrides?: VoOverrides;
  readonly 'vo-overrides'?: VoOverrides;
  readonly common?: Readonly<Record<string, DiracxTaskOverride>>;
}

/** The periodic settings of a task (for a VO), merged. */
export interface ConfiguredPeriodic {
  readonly enabled: boolean;
  readonly schedule?: Schedule;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** The limits configured for one object (for a VO), merged; absent = not configured. */
export interface ConfiguredLimits {
  readonly rateLimit?: { readonly limit: number; readonly windowSeconds: number } | null;
  readonly concurrencyLimit?: number | null;
}

/** The retry and priority settings of a task (for a VO), merged. */
export interface ConfiguredTaskSettings {
  readonly retry?: RetryPolicy;
  readonly priority?: Priority;
}

const TOP_KEYS = [...SECTION_KEYS, 'vo_overrides', 'vo-overrides', 'common'];

/**
 * Validated configuration. Build it with {@link loadTasksConfig} (an object) or
 * {@link loadTasksConfigFile} (JSON or YAML). Every value is checked at load, and an error
 * names its path (`limits.job.default.concurrency_limit: expected a positive integer, got 0`);
 * an unknown key names the nearest valid one. Task names and object types are checked
 * against the app's tasks and the registered `LockedObjectType`s when the app is created.
 *
 * Merging: a VO's settings override the common ones field by field. For limits the most
 * specific entry wins — an object's own id over `default`, and for each, the VO's over the
 * common one.
 *
 * @example
 * ```ts
 * const config = loadTasksConfig({
 *   periodic: { Cleanup: { interval_seconds: 30 }, Report: { enabled: false } },
 *   limits: { job: { default: { concurrency_limit: 5 } }, task: { Sync: { rate_limit: 10, rate_window_seconds: 60 } } },
 *   tasks: { Sync: { retry: { kind: 'exponential', max_retries: 3 }, priority: 'realtime' } },
 *   vo_overrides: { lhcb: { limits: { job: { default: { concurrency_limit: 20 } } } } },
 * });
 * config.limits('job', 42, 'lhcb'); // { concurrencyLimit: 20 }
 * ```
 */
export class TasksConfig {
  /** `'sections'` or `'diracx'` (a `common` section), as read. */
  readonly shape: 'sections' | 'diracx';
  /** @internal Every task name and object type the configuration names, with its path. */
  readonly mentions: readonly ConfigMention[];
  readonly #common: ResolvedSections;
  readonly #vos = new Map<string, ResolvedSections>();

  /** @throws TaskConfigError naming the path of the first bad key or value. */
  constructor(input: TasksConfigInput = {}) {
    const raw = objectAt(input, 'config', 'an object');
    checkKeys(raw, '', TOP_KEYS);
    const mentions: ConfigMention[] = [];
    this.shape = raw.common !== undefined ? 'diracx' : 'sections';
    if (this.shape === 'diracx') {
      const mixed = SECTION_KEYS.find((key) => raw[key] !== undefined);
      if (mixed !== undefined)
        throw new TaskConfigError(
          mixed,
          "a DiracX-shaped configuration (common + vo_overrides) cannot also have 'periodic', " +
            "'limits' or 'tasks': write one shape or the other",
        );
    }
    this.#common =
      this.shape === 'diracx'
        ? parseDiracxTasks(raw.common, 'common', mentions)
        : parseSections(raw, '', mentions);
    this.#readVos(raw, mentions);
    this.mentions = mentions;
    this.#checkRateWindows();
  }

  #readVos(raw: Record<string, unknown>, mentions: ConfigMention[]): void {
    if (raw.vo_overrides !== undefined && raw['vo-overrides'] !== undefined)
      throw new TaskConfigError('vo-overrides', 'give either vo_overrides or vo-overrides, not both');
    const key = raw['vo-overrides'] !== undefined ? 'vo-overrides' : 'vo_overrides';
    if (raw[key] === undefined) return;
    for (const [vo, value] of Object.entries(objectAt(raw[key], key, 'an object keyed by VO'))) {
      const at = join(key, vo);
      if (this.shape === 'diracx') {
        this.#vos.set(vo, parseDiracxTasks(value, at, mentions));
        continue;
      }
      const scope = objectAt(value, at);
      for (const name of Object.keys(scope))
        if (!(SECTION_KEYS as readonly string[]).includes(name))
          throw new TaskConfigError(
            join(at, name),
            `${unknownNameProblem('key', name, SECTION_KEYS)}; per-task VO overrides in the ` +
              "DiracX shape need a 'common' section (it may be empty)",
          );
      this.#vos.set(vo, parseSections(scope, at, mentions));
    }
  }

  /** Task names the configuration mentions (to check them against the registered tasks). */
  get taskNames(): string[] {
    return [...new Set(this.mentions.filter((m) => m.kind !== 'object type').map((m) => m.name))];
  }

  /** VOs that have overrides. */
  get vos(): string[] {
    return [...this.#vos.keys()];
  }

  /** The periodic settings of a task (for a VO: its VO's over the common ones). */
  periodic(taskName: string, vo: string | null = null): ConfiguredPeriodic {
    const common = this.#common.periodic.get(taskName) ?? {};
    const specific = this.#scope(vo).periodic.get(taskName) ?? {};
    return { enabled: true, ...common, ...specific };
  }

  /**
   * The limits configured for `(objectType, objectId)` (for a VO), most specific entry first:
   * the VO's entry for the id, the common entry for the id, the VO's `default`, the common `default`.
   */
  limits(objectType: string, objectId: string | number, vo: string | null = null): ConfiguredLimits {
    const merged: { -readonly [K in keyof ResolvedLimit]?: ResolvedLimit[K] } = {};
    for (const entry of this.#chain(objectType, String(objectId), vo))
      for (const [field, value] of Object.entries(entry))
        if (value !== undefined) (merged as Record<string, unknown>)[field] = value;
    const out: { -readonly [K in keyof ConfiguredLimits]: ConfiguredLimits[K] } = {};
    if (merged.rateLimit === null) out.rateLimit = null;
    else if (merged.rateLimit !== undefined && merged.rateWindowSeconds !== undefined)
      out.rateLimit = { limit: merged.rateLimit, windowSeconds: merged.rateWindowSeconds };
    if (merged.concurrencyLimit !== undefined) out.concurrencyLimit = merged.concurrencyLimit;
    return out;
  }

  /** The retry and priority settings of a task (for a VO: its VO's over the common ones). */
  task(taskName: string, vo: string | null = null): ConfiguredTaskSettings {
    return { ...this.#common.tasks.get(taskName), ...this.#scope(vo).tasks.get(taskName) };
  }

  #scope(vo: string | null): ResolvedSections {
    return (vo === null ? undefined : this.#vos.get(vo)) ?? EMPTY;
  }

  /** Least specific first, so that later entries override earlier ones. */
  #chain(objectType: string, objectId: string, vo: string | null): ResolvedLimit[] {
    const common = this.#common.limits.get(objectType);
    const specific = this.#scope(vo).limits.get(objectType);
    return [
      common?.get('default'),
      specific?.get('default'),
      common?.get(objectId),
      specific?.get(objectId),
    ].filter((entry): entry is ResolvedLimit => entry !== undefined);
  }

  /** A rate limit must have a window, in its own entry or in one it inherits from. */
  #checkRateWindows(): void {
    for (const vo of [null, ...this.#vos.keys()]) {
      const types = new Set([...this.#common.limits.keys(), ...this.#scope(vo).limits.keys()]);
      for (const type of types) {
        const ids = new Set([
          ...(this.#common.limits.get(type)?.keys() ?? []),
          ...(this.#scope(vo).limits.get(type)?.keys() ?? []),
        ]);
        for (const id of ids) {
          const chain = this.#chain(type, id, vo);
          const limited = [...chain].reverse().find((e) => e.rateLimit !== undefined);
          if (typeof limited?.rateLimit === 'number' && !chain.some((e) => e.rateWindowSeconds !== undefined))
            throw new TaskConfigError(
              join(limited.path, 'rate_limit'),
              `needs rate_window_seconds (in this entry or in limits.${type}.default)`,
            );
        }
      }
    }
  }
}

const EMPTY = emptySections();

/**
 * Validates a configuration object (a `TasksConfig` is returned as it is).
 * @throws TaskConfigError naming the path of the bad key or value.
 * @example
 * ```ts
 * const config = loadTasksConfig({ periodic: { Cleanup: { schedule: '0 6 * * *' } } });
 * ```
 */
export function loadTasksConfig(input: TasksConfigInput | TasksConfig): TasksConfig {
  return input instanceof TasksConfig ? input : new TasksConfig(input);
}

/**
 * Reads and validates a JSON or YAML configuration file (`.yaml`/`.yml` is YAML, anything
 * else JSON); an empty file is an empty configuration. A DiracX file loads as it is.
 * @throws TaskConfigError naming the file and the path of the bad key or value.
 * @example
 * ```ts
 * const config = await loadTasksConfigFile('./tasks.overrides.yaml');
 * const app = createTaskApp({ redis, tasks, config });
 * ```
 */
export async function loadTasksConfigFile(path: string): Promise<TasksConfig> {
  const yaml = /\.ya?ml$/i.test(path);
  let data: unknown;
  try {
    const text = await readFile(path, 'utf8');
    try {
      data = yaml ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new TaskConfigError(path, `not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
    }
  } catch (error) {
    if (error instanceof TaskConfigError) throw error;
    throw new TaskConfigError(path, `cannot read the file: ${(error as Error).message}`);
  }
  try {
    return new TasksConfig(data ?? {});
  } catch (error) {
    if (!(error instanceof TaskConfigError)) throw error;
    const problem = error.message.replace(/^Invalid configuration at [^:]+: /, '');
    throw new TaskConfigError(`${path}: ${error.path}`, problem);
  }
}
