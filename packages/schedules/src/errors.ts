/**
 * Brand shared by every @tasks error class (`Symbol.for('@tasks/error')`), so `isTasksError()`
 * works across packages and duplicate installs.
 * @example
 * ```ts
 * const isTasksError = (e: unknown) => typeof e === 'object' && e !== null && TASKS_ERROR_BRAND in e;
 * ```
 */
export const TASKS_ERROR_BRAND: unique symbol = Symbol.for('@tasks/error') as never;

/**
 * Base class of every error thrown by `@tasks/schedules`. It carries the shared
 * `Symbol.for('@tasks/error')` brand, so `isTasksError()` from `@tasks/redis` recognises it
 * without this package depending on any Redis package.
 *
 * @example
 * ```ts
 * try { new CronSchedule('61 * * * *'); } catch (err) { if (err instanceof TasksError) console.log(err.code); }
 * ```
 */
export class TasksError extends Error {
  /** Stable machine-readable identifier of the failure kind, e.g. `'INVALID_CRON_EXPRESSION'`. */
  readonly code: string;
  readonly [TASKS_ERROR_BRAND] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TasksError';
  }
}

/**
 * A cron expression could not be parsed. `field` names the offending field (`'minute'`,
 * `'hour'`, `'day of month'`, `'month'`, `'day of week'`, `'second'`) when one can be singled out.
 *
 * @example
 * ```ts
 * new CronSchedule('60 * * * *'); // InvalidCronExpressionError: ... minute field '60' ...
 * ```
 */
export class InvalidCronExpressionError extends TasksError {
  /** The expression as given. */
  readonly expression: string;
  /** The field at fault, when one can be singled out. */
  readonly field: string | undefined;

  constructor(expression: string, reason: string, field?: string, cause?: unknown) {
    const where = field === undefined ? '' : `${field} field: `;
    super('INVALID_CRON_EXPRESSION', `Invalid cron expression '${expression}': ${where}${reason}`, { cause });
    this.name = 'InvalidCronExpressionError';
    this.expression = expression;
    this.field = field;
  }
}

/**
 * An RRULE is malformed, breaks an RFC 5545 constraint, or can never produce an occurrence.
 * `part` names the rule part at fault (`'BYHOUR'`, `'FREQ'`, ...) when there is one.
 *
 * @example
 * ```ts
 * new RRuleSchedule('FREQ=DAILY;BYHOUR=25'); // InvalidRRuleError: ... BYHOUR value 25 is outside 0..23
 * ```
 */
export class InvalidRRuleError extends TasksError {
  /** The rule as given. */
  readonly rule: string;
  /** The rule part at fault, when there is one. */
  readonly part: string | undefined;

  constructor(rule: string, reason: string, part?: string) {
    super('INVALID_RRULE', `Invalid RRULE '${rule}': ${reason}`);
    this.name = 'InvalidRRuleError';
    this.rule = rule;
    this.part = part;
  }
}

/**
 * The time zone is not a known IANA zone name.
 *
 * @example
 * ```ts
 * new CronSchedule('0 6 * * *', { timezone: 'Europe/Zurch' }); // InvalidTimeZoneError
 * ```
 */
export class InvalidTimeZoneError extends TasksError {
  /** The zone as given. */
  readonly timezone: unknown;

  constructor(timezone: unknown) {
    super(
      'INVALID_TIME_ZONE',
      `Unknown time zone ${JSON.stringify(timezone) ?? String(timezone)}: use an IANA name such as 'UTC' or 'Europe/Zurich'`,
    );
    this.name = 'InvalidTimeZoneError';
    this.timezone = timezone;
  }
}

/**
 * The interval of an `IntervalSeconds` is not a positive, finite whole number of milliseconds.
 *
 * @example
 * ```ts
 * new IntervalSeconds(0); // InvalidIntervalError
 * ```
 */
export class InvalidIntervalError extends TasksError {
  /** The value as given. */
  readonly seconds: unknown;

  constructor(seconds: unknown, reason: string) {
    super('INVALID_INTERVAL', `Invalid interval ${String(seconds)} seconds: ${reason}`);
    this.name = 'InvalidIntervalError';
    this.seconds = seconds;
  }
}

/**
 * An argument or option other than the expression itself is invalid: `after` is not a valid
 * `Date`, `count` is not a non-negative integer, `dtstart` cannot be read.
 *
 * @example
 * ```ts
 * new IntervalSeconds(60).nextOccurrence(new Date('nope')); // InvalidScheduleArgumentError
 * ```
 */
export class InvalidScheduleArgumentError extends TasksError {
  /** Name of the argument or option at fault (`'after'`, `'count'`, `'dtstart'`). */
  readonly argument: string;

  constructor(argument: string, reason: string) {
    super('INVALID_SCHEDULE_ARGUMENT', `Invalid ${argument}: ${reason}`);
    this.name = 'InvalidScheduleArgumentError';
    this.argument = argument;
  }
}

/**
 * A schedule has no occurrence after the requested instant (an RRULE whose `COUNT` or `UNTIL`
 * is used up, or whose occurrences ran past year 9999).
 *
 * @example
 * ```ts
 * new RRuleSchedule('FREQ=DAILY;COUNT=1', { dtstart: '2026-01-05T09:00' }).nextOccurrence(); // NoNextOccurrenceError
 * ```
 */
export class NoNextOccurrenceError extends TasksError {
  /** Description of the schedule, e.g. `rrule 'FREQ=DAILY;COUNT=1' (UTC)`. */
  readonly schedule: string;
  /** The instant after which no occurrence exists. */
  readonly after: Date;

  constructor(schedule: string, after: Date) {
    super('NO_NEXT_OCCURRENCE', `${schedule} has no occurrence after ${after.toISOString()}`);
    this.name = 'NoNextOccurrenceError';
    this.schedule = schedule;
    this.after = after;
  }
}

/**
 * Plain schedule data (from a configuration file) is invalid. `path` names the field, e.g.
 * `'schedule.expression'`; `cause` holds the underlying error when there is one.
 *
 * @example
 * ```ts
 * scheduleFromData({ kind: 'cron', expression: '99 * * * *' }); // ScheduleDataError at schedule.expression
 * ```
 */
export class ScheduleDataError extends TasksError {
  /** Dotted path of the offending field. */
  readonly path: string;

  constructor(path: string, reason: string, cause?: unknown) {
    super('INVALID_SCHEDULE_DATA', `Invalid schedule data at ${path}: ${reason}`, { cause });
    this.name = 'ScheduleDataError';
    this.path = path;
  }
}
