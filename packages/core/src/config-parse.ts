// Validation of the configuration's sections (`periodic`, `limits`, `tasks`) into built values,
// every error naming the path of the offending key.
import { retryPolicyFromData, type RetryPolicy } from '@tasks/retry';
import { CronSchedule, IntervalSeconds, scheduleFromData, type Schedule } from '@tasks/schedules';
import { Priority } from './enums.js';
import { InvalidTaskArgumentsError, TaskConfigError } from './errors.js';
import { unknownNameProblem } from './nearest.js';
import { assertPlainData } from './payload.js';

/** @internal A periodic task's settings, validated (fields absent when not configured). */
export interface ResolvedPeriodic {
  readonly enabled?: boolean;
  readonly schedule?: Schedule;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** @internal One `limits.<type>.<id>` entry, validated; `null` = explicitly no limit. */
export interface ResolvedLimit {
  /** Where it was written, for messages. */
  readonly path: string;
  readonly rateLimit?: number | null;
  readonly rateWindowSeconds?: number;
  readonly concurrencyLimit?: number | null;
}

/** @internal A task's retry and priority settings, validated. */
export interface ResolvedTaskSettings {
  readonly retry?: RetryPolicy;
  readonly priority?: Priority;
}

/** @internal One scope of configuration (the common one, or one VO's), validated. */
export interface ResolvedSections {
  readonly periodic: Map<string, ResolvedPeriodic>;
  /** Object type → object id (or `default`) → limits. */
  readonly limits: Map<string, Map<string, ResolvedLimit>>;
  readonly tasks: Map<string, ResolvedTaskSettings>;
}

/**
 * @internal Where a configuration names a task or an object type, for the task registry to
 * check against what is registered. `periodic task` marks a `periodic` entry that changes
 * something (only periodic tasks can have one).
 */
export interface ConfigMention {
  readonly path: string;
  readonly kind: 'task' | 'periodic task' | 'object type';
  readonly name: string;
}

/** The keys of one scope in the sections shape. */
export const SECTION_KEYS = ['periodic', 'limits', 'tasks'] as const;
const PERIODIC_KEYS = ['enabled', 'schedule', 'interval_seconds', 'args'];
const LIMIT_KEYS = ['rate_limit', 'rate_window_seconds', 'concurrency_limit'];
const TASK_KEYS = ['retry', 'priority'];
// snake_case spellings accepted for the retry policy's fields (its data uses camelCase).
const RETRY_SNAKE: Readonly<Record<string, string>> = {
  base_delay_seconds: 'baseDelaySeconds',
  max_retries: 'maxRetries',
  max_delay_seconds: 'maxDelaySeconds',
};

/** @internal */
export function emptySections(): ResolvedSections {
  return { periodic: new Map(), limits: new Map(), tasks: new Map() };
}

/** @internal An object, or a TaskConfigError at `path`. */
export function objectAt(value: unknown, path: string, what = 'an object'): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new TaskConfigError(path, `expected ${what}, got ${JSON.stringify(value) ?? String(value)}`);
}

/** @internal Rejects keys outside `valid`, naming the nearest valid one. */
export function checkKeys(raw: Record<string, unknown>, path: string, valid: readonly string[]): void {
  for (const key of Object.keys(raw))
    if (!valid.includes(key))
      throw new TaskConfigError(join(path, key), unknownNameProblem('key', key, valid));
}

/** @internal `a.b`, or `b` at the root. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** @internal Runs `build`, turning any error into a TaskConfigError at `path` (or deeper). */
export function wrap<T>(path: string, build: () => T): T {
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

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new TaskConfigError(path, `expected a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function positiveNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TaskConfigError(path, `expected a positive number, got ${JSON.stringify(value)}`);
  return value;
}

/** @internal A schedule: a cron expression (UTC), or schedule data (`{ kind: 'rrule', … }`). */
export function parseSchedule(value: unknown, path: string): Schedule {
  if (typeof value === 'string') return wrap(path, () => new CronSchedule(value));
  return wrap(path, () =>
    scheduleFromData(objectAt(value, path, 'a cron expression or schedule data'), path),
  );
}

/** @internal `periodic.<task>`: enabled, schedule | interval_seconds, args. */
export function parsePeriodic(value: unknown, path: string): ResolvedPeriodic {
  const raw = objectAt(value, path);
  checkKeys(raw, path, PERIODIC_KEYS);
  const out: { -readonly [K in keyof ResolvedPeriodic]: ResolvedPeriodic[K] } = {};
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean')
      throw new TaskConfigError(join(path, 'enabled'), 'expected true or false');
    out.enabled = raw.enabled;
  }
  if (raw.schedule !== undefined && raw.interval_seconds !== undefined)
    throw new TaskConfigError(
      join(path, 'interval_seconds'),
      'give either schedule or interval_seconds, not both',
    );
  if (raw.schedule !== undefined) out.schedule = parseSchedule(raw.schedule, join(path, 'schedule'));
  if (raw.interval_seconds !== undefined) {
    const where = join(path, 'interval_seconds');
    const seconds = positiveNumber(raw.interval_seconds, where);
    out.schedule = wrap(where, () => new IntervalSeconds(seconds));
  }
  if (raw.args !== undefined) {
    const where = join(path, 'args');
    const args = objectAt(raw.args, where, 'an object of arguments');
    try {
      assertPlainData('', args, where);
    } catch (error) {
      if (!(error instanceof InvalidTaskArgumentsError)) throw error;
      // Its message is "Task : <path> <problem>": keep the problem, under our path.
      throw new TaskConfigError(error.path, error.message.slice(`Task : ${error.path} `.length));
    }
    out.args = args;
  }
  return out;
}

/**
 * @internal One limits entry. `nulls` says what `null` means: `'disable'` (this shape: no
 * limit, even if the code sets one) or `'unset'` (DiracX: as if the key were absent).
 */
export function parseLimit(value: unknown, path: string, nulls: 'disable' | 'unset'): ResolvedLimit {
  const raw = objectAt(value, path);
  checkKeys(raw, path, LIMIT_KEYS);
  const out: { -readonly [K in keyof ResolvedLimit]: ResolvedLimit[K] } = { path };
  const limitOf = (key: string): number | null | undefined => {
    const v = raw[key];
    if (v === undefined || (v === null && nulls === 'unset')) return undefined;
    return v === null ? null : positiveInteger(v, join(path, key));
  };
  const rate = limitOf('rate_limit');
  if (rate !== undefined) out.rateLimit = rate;
  const concurrency = limitOf('concurrency_limit');
  if (concurrency !== undefined) out.concurrencyLimit = concurrency;
  const window = raw.rate_window_seconds;
  if (window !== undefined && window !== null)
    out.rateWindowSeconds = positiveNumber(window, join(path, 'rate_window_seconds'));
  return out;
}

/** @internal `tasks.<task>`: retry (policy data) and priority. */
export function parseTaskSettings(value: unknown, path: string): ResolvedTaskSettings {
  const raw = objectAt(value, path);
  checkKeys(raw, path, TASK_KEYS);
  const out: { -readonly [K in keyof ResolvedTaskSettings]: ResolvedTaskSettings[K] } = {};
  if (raw.retry !== undefined) {
    const where = join(path, 'retry');
    const data = Object.fromEntries(
      Object.entries(objectAt(raw.retry, where)).map(([k, v]) => [RETRY_SNAKE[k] ?? k, v]),
    );
    out.retry = wrap(where, () => retryPolicyFromData(data, where));
  }
  if (raw.priority !== undefined) {
    const values: readonly string[] = Object.values(Priority);
    if (typeof raw.priority !== 'string' || !values.includes(raw.priority))
      throw new TaskConfigError(
        join(path, 'priority'),
        `expected one of ${values.join(', ')}, got ${JSON.stringify(raw.priority)}`,
      );
    out.priority = raw.priority as Priority;
  }
  return out;
}

/** @internal A periodic entry that changes something (so only a periodic task may have it). */
export function isEffective(entry: ResolvedPeriodic): boolean {
  return entry.schedule !== undefined || entry.args !== undefined || entry.enabled === false;
}

/** @internal `periodic`, `limits` and `tasks` of one scope (the keys are checked by the caller). */
export function parseSections(
  raw: Record<string, unknown>,
  path: string,
  mentions: ConfigMention[],
): ResolvedSections {
  const out = emptySections();
  const each = (key: string, visit: (name: string, value: unknown, at: string) => void): void => {
    if (raw[key] === undefined) return;
    const at = join(path, key);
    for (const [name, value] of Object.entries(objectAt(raw[key], at))) visit(name, value, join(at, name));
  };
  each('periodic', (name, value, at) => {
    const entry = parsePeriodic(value, at);
    mentions.push({ path: at, kind: isEffective(entry) ? 'periodic task' : 'task', name });
    out.periodic.set(name, entry);
  });
  each('limits', (type, value, at) => {
    mentions.push({ path: at, kind: 'object type', name: type });
    const ids = new Map<string, ResolvedLimit>();
    for (const [id, limit] of Object.entries(
      objectAt(value, at, 'an object keyed by object id or default'),
    )) {
      if (type === 'task' && id !== 'default') mentions.push({ path: join(at, id), kind: 'task', name: id });
      ids.set(id, parseLimit(limit, join(at, id), 'disable'));
    }
    out.limits.set(type, ids);
  });
  each('tasks', (name, value, at) => {
    mentions.push({ path: at, kind: 'task', name });
    out.tasks.set(name, parseTaskSettings(value, at));
  });
  return out;
}
