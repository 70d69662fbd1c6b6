import { InvalidScheduleArgumentError } from './errors.js';

/**
 * When a periodic task runs. Implementations are pure: the answer depends only on the
 * schedule's own parameters and the `after` argument — never on when the process started,
 * on the host's time zone, or on earlier calls — so every replica and every restart agrees.
 *
 * @example
 * ```ts
 * const schedule: Schedule = new CronSchedule('0 6 * * *', { timezone: 'Europe/Zurich' });
 * schedule.nextOccurrence(new Date('2026-03-11T12:00:00Z')); // 2026-03-12T05:00:00.000Z
 * schedule.preview(3); // the next three run times from now
 * ```
 */
export interface Schedule {
  /**
   * The first occurrence strictly after `after` (default: now).
   *
   * @throws NoNextOccurrenceError when the schedule has ended (an RRULE's COUNT or UNTIL).
   * @throws InvalidScheduleArgumentError when `after` is not a valid `Date`.
   */
  nextOccurrence(after?: Date): Date;
  /**
   * Up to `count` consecutive occurrences strictly after `after` (default: now), in order;
   * fewer when the schedule ends first.
   *
   * @throws InvalidScheduleArgumentError when `count` is not a non-negative integer or `after`
   * is not a valid `Date`.
   */
  preview(count: number, after?: Date): Date[];
}

/**
 * Plain-data form of an `IntervalSeconds`.
 * @example
 * ```ts
 * const hourly: IntervalScheduleData = { kind: 'interval', seconds: 3600 };
 * ```
 */
export interface IntervalScheduleData {
  readonly kind: 'interval';
  /** Period in seconds; occurrences are the multiples of it since the Unix epoch. */
  readonly seconds: number;
}

/**
 * Plain-data form of a `CronSchedule`.
 * @example
 * ```ts
 * const daily: CronScheduleData = { kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Zurich' };
 * ```
 */
export interface CronScheduleData {
  readonly kind: 'cron';
  readonly expression: string;
  /** IANA zone; `'UTC'` when omitted. */
  readonly timezone?: string;
}

/**
 * Plain-data form of an `RRuleSchedule`.
 * @example
 * ```ts
 * const lastFriday: RRuleScheduleData = { kind: 'rrule', rule: 'FREQ=MONTHLY;BYDAY=-1FR', timezone: 'UTC' };
 * ```
 */
export interface RRuleScheduleData {
  readonly kind: 'rrule';
  readonly rule: string;
  /** ISO 8601 start; without an offset it is a wall time in `timezone`. */
  readonly dtstart?: string;
  /** IANA zone; `'UTC'` when omitted. */
  readonly timezone?: string;
}

/**
 * Any schedule as plain JSON-compatible data: what `toJSON()` returns and `scheduleFromData` reads.
 * @example
 * ```ts
 * const data: ScheduleData = JSON.parse(configText).schedule;
 * const schedule = scheduleFromData(data);
 * ```
 */
export type ScheduleData = IntervalScheduleData | CronScheduleData | RRuleScheduleData;

/**
 * Reads the `after` argument of `nextOccurrence`/`preview` as epoch ms (default: now).
 * @internal
 */
export function instantArgument(after: Date | undefined): number {
  if (after === undefined) return Date.now();
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
    throw new InvalidScheduleArgumentError('after', `expected a valid Date, got ${String(after)}`);
  }
  return after.getTime();
}

/**
 * Collects up to `count` consecutive occurrences from a nullable "next instant" function.
 * @internal
 */
export function collectOccurrences(
  count: number,
  after: Date | undefined,
  next: (after: number) => number | null,
): Date[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidScheduleArgumentError('count', `expected a non-negative integer, got ${String(count)}`);
  }
  const out: Date[] = [];
  let cursor = instantArgument(after);
  while (out.length < count) {
    const instant = next(cursor);
    if (instant === null) break;
    out.push(new Date(instant));
    cursor = instant;
  }
  return out;
}

/**
 * Up to `count` consecutive occurrences of any schedule that only implements
 * `nextOccurrence` — a helper for writing your own `Schedule`. Stops early when the
 * schedule throws `NoNextOccurrenceError`; other errors propagate.
 *
 * @example
 * ```ts
 * class Every10s implements Schedule {
 *   nextOccurrence(after = new Date()) { return new Date((Math.floor(after.getTime() / 10_000) + 1) * 10_000); }
 *   preview(count: number, after?: Date) { return previewOccurrences(this, count, after); }
 * }
 * ```
 */
export function previewOccurrences(
  schedule: Pick<Schedule, 'nextOccurrence'>,
  count: number,
  after?: Date,
): Date[] {
  return collectOccurrences(count, after, (cursor) => {
    try {
      return schedule.nextOccurrence(new Date(cursor)).getTime();
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'NO_NEXT_OCCURRENCE') return null;
      throw error;
    }
  });
}
