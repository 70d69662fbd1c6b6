import { CronSchedule } from './cron.js';
import { ScheduleDataError, TasksError } from './errors.js';
import { IntervalSeconds } from './interval.js';
import { RRuleSchedule } from './rrule-schedule.js';
import type { Schedule, ScheduleData } from './schedule.js';

const FIELDS = {
  interval: ['kind', 'seconds'],
  cron: ['kind', 'expression', 'timezone'],
  rrule: ['kind', 'rule', 'dtstart', 'timezone'],
} as const;
type Kind = keyof typeof FIELDS;

// Which data field an error of each construction failure belongs to.
const FIELD_OF_CODE: Record<string, string> = {
  INVALID_INTERVAL: 'seconds',
  INVALID_CRON_EXPRESSION: 'expression',
  INVALID_RRULE: 'rule',
  INVALID_TIME_ZONE: 'timezone',
  INVALID_SCHEDULE_ARGUMENT: 'dtstart',
};

/**
 * Builds a schedule from plain data — a configuration file's override of a task's schedule —
 * validating every field.
 *
 * @param data - `{ kind: 'interval', seconds }`, `{ kind: 'cron', expression, timezone? }` or
 * `{ kind: 'rrule', rule, dtstart?, timezone? }` (`timezone` defaults to `'UTC'`).
 * @param path - Where the data sits in your configuration, used in error messages. Default `'schedule'`.
 * @throws ScheduleDataError naming the bad field (`'schedule.expression'`), with the underlying
 * `InvalidCronExpressionError`/`InvalidRRuleError`/... as `cause`.
 *
 * @example
 * ```ts
 * const schedule = scheduleFromData({ kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Zurich' });
 * scheduleFromData(JSON.parse(JSON.stringify(schedule))); // the same schedule again
 * ```
 */
export function scheduleFromData(data: unknown, path = 'schedule'): Schedule {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ScheduleDataError(path, `expected an object with a 'kind', got ${describe(data)}`);
  }
  const record = data as Record<string, unknown>;
  const kind = record.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) {
    throw new ScheduleDataError(
      `${path}.kind`,
      `expected 'interval', 'cron' or 'rrule', got ${describe(kind)}`,
    );
  }
  const allowed: readonly string[] = FIELDS[kind as Kind];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key))
      throw new ScheduleDataError(`${path}.${key}`, `unknown field for kind '${kind}'`);
  }
  try {
    return build(kind as Kind, record, path);
  } catch (error) {
    if (error instanceof ScheduleDataError || !(error instanceof TasksError)) throw error;
    const field = FIELD_OF_CODE[error.code] ?? 'kind';
    throw new ScheduleDataError(`${path}.${field}`, error.message, error);
  }
}

/**
 * The plain-data form of a schedule (its `toJSON()`), checked by `scheduleFromData` so that it
 * really rebuilds. Works for the built-in schedules and for your own if they implement `toJSON`.
 *
 * @throws ScheduleDataError when the schedule cannot be described as data.
 *
 * @example
 * ```ts
 * describeSchedule(new IntervalSeconds(3600)); // { kind: 'interval', seconds: 3600 }
 * ```
 */
export function describeSchedule(schedule: Schedule): ScheduleData {
  const toJSON = (schedule as { toJSON?: unknown }).toJSON;
  if (typeof toJSON !== 'function') {
    throw new ScheduleDataError('schedule', 'this schedule has no toJSON() describing it as data');
  }
  const data = (toJSON as (this: Schedule) => unknown).call(schedule);
  scheduleFromData(data);
  return data as ScheduleData;
}

function build(kind: Kind, record: Record<string, unknown>, path: string): Schedule {
  if (kind === 'interval') return new IntervalSeconds(requireType(record, 'seconds', 'number', path));
  const timezone = optionalString(record, 'timezone', path);
  if (kind === 'cron') {
    const expression = requireType(record, 'expression', 'string', path);
    return new CronSchedule(expression, timezone === undefined ? {} : { timezone });
  }
  const rule = requireType(record, 'rule', 'string', path);
  const dtstart = optionalString(record, 'dtstart', path);
  return new RRuleSchedule(rule, {
    ...(timezone === undefined ? {} : { timezone }),
    ...(dtstart === undefined ? {} : { dtstart }),
  });
}

function requireType<T extends 'number' | 'string'>(
  record: Record<string, unknown>,
  key: string,
  type: T,
  path: string,
): T extends 'number' ? number : string {
  const value = record[key];
  if (typeof value !== type)
    throw new ScheduleDataError(`${path}.${key}`, `expected a ${type}, got ${describe(value)}`);
  return value as T extends 'number' ? number : string;
}

function optionalString(record: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new ScheduleDataError(`${path}.${key}`, `expected a string, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}
