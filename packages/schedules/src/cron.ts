import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { InvalidCronExpressionError, NoNextOccurrenceError } from './errors.js';
import { collectOccurrences, instantArgument, type CronScheduleData, type Schedule } from './schedule.js';
import { resolveTimeZone, ZoneClock } from './time-zone.js';
import { nextInstant, type RepeatedWallTimes } from './wall-clock.js';

/**
 * Options of `CronSchedule`.
 * @example
 * ```ts
 * const options: CronScheduleOptions = { timezone: 'America/New_York' };
 * ```
 */
export interface CronScheduleOptions {
  /** IANA time zone the expression is read in. Default `'UTC'`. */
  readonly timezone?: string;
}

const FIVE_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const SIX_FIELDS = ['second', ...FIVE_FIELDS] as const;

/**
 * A cron expression (5 fields, or 6 with leading seconds; `L`, `#`, `?`, names such as `MON`
 * and `JAN`, and nicknames such as `@daily` are accepted), read in an IANA time zone.
 *
 * Guarantees:
 * - pure and anchored: the next run depends only on the expression, the zone and `after`;
 * - exact daylight saving: a wall time skipped by a spring-forward change fires once, at the
 *   first instant after the gap (a daily 02:30 job in Europe/Zurich runs at 03:00 on
 *   2026-03-29); a wall time repeated by a fall-back change fires once, at its first instant.
 *   Expressions that fire in every hour of the day (hour field `*`) instead fire at each real
 *   instant whose local time matches: `0 * * * *` runs once per real hour through both changes,
 *   never twice at one instant and never skipping a real hour;
 * - when both day of month and day of week are restricted, a day matching either one fires
 *   (classic cron).
 *
 * @example
 * ```ts
 * const daily = new CronSchedule('0 6 * * *', { timezone: 'Europe/Zurich' });
 * daily.nextOccurrence(new Date('2026-03-11T12:00:00Z')); // 2026-03-12T05:00:00.000Z
 * ```
 */
export class CronSchedule implements Schedule {
  /** The expression, as given. */
  readonly expression: string;
  /** Canonical IANA zone name. */
  readonly timezone: string;
  private readonly zone: ZoneClock;
  private readonly cron: CronExpression;
  private readonly repeated: RepeatedWallTimes;

  /**
   * @throws InvalidCronExpressionError naming the bad field, for malformed expressions and for
   * hashed values (`H`), which are not deterministic.
   * @throws InvalidTimeZoneError for an unknown `timezone`.
   */
  constructor(expression: string, options: CronScheduleOptions = {}) {
    this.expression = expression;
    this.cron = parseCron(expression);
    this.timezone = resolveTimeZone(options.timezone ?? 'UTC');
    this.zone = ZoneClock.of(this.timezone);
    this.repeated = this.cron.fields.hour.values.length === 24 ? 'each' : 'first';
  }

  /**
   * The first run strictly after `after` (default: now).
   * @throws InvalidScheduleArgumentError when `after` is not a valid `Date`.
   */
  nextOccurrence(after?: Date): Date {
    const from = instantArgument(after);
    const next = this.next(from);
    if (next === null) throw new NoNextOccurrenceError(this.toString(), new Date(from));
    return new Date(next);
  }

  /**
   * The next `count` runs strictly after `after` (default: now).
   * @throws InvalidScheduleArgumentError for a bad `count` or `after`.
   */
  preview(count: number, after?: Date): Date[] {
    return collectOccurrences(count, after, (t) => this.next(t));
  }

  /** `{ kind: 'cron', expression, timezone }` — rebuild it with `scheduleFromData`. */
  toJSON(): CronScheduleData {
    return { kind: 'cron', expression: this.expression, timezone: this.timezone };
  }

  /** E.g. `cron '0 6 * * *' (Europe/Zurich)`. */
  toString(): string {
    return `cron '${this.expression}' (${this.timezone})`;
  }

  private next(after: number): number | null {
    return nextInstant(this.zone, after, (wall) => this.nextWall(wall), this.repeated);
  }

  // cron-parser runs in UTC only, on floating wall time: no DST ever reaches it.
  private nextWall(afterWall: number): number | null {
    this.cron.reset(new Date(afterWall));
    try {
      return this.cron.next().getTime();
    } catch {
      return null;
    }
  }
}

function parseCron(expression: string): CronExpression {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new InvalidCronExpressionError(String(expression), 'the expression is empty');
  }
  const fields = expression.trim().split(/\s+/);
  const names = fields.length === 6 ? SIX_FIELDS : FIVE_FIELDS;
  fields.forEach((field, i) => {
    if (
      field
        .toUpperCase()
        .replace(/[A-Z]{3}/g, '')
        .includes('H')
    ) {
      const reason = `'${field}': hashed values (H) are not supported because they are not deterministic`;
      throw new InvalidCronExpressionError(expression, reason, names[i]);
    }
  });
  try {
    const cron = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(0) });
    cron.next();
    return cron;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const culprit = fields.length === names.length ? findBadField(fields, names) : undefined;
    const detail = culprit === undefined ? reason : `'${culprit.value}': ${reason}`;
    throw new InvalidCronExpressionError(expression, detail, culprit?.name, error);
  }
}

// Parses each field alone (the others as '*') to single out the one cron-parser rejects.
function findBadField(
  fields: readonly string[],
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (let i = 0; i < fields.length; i++) {
    const probe = fields.map((field, j) => (j === i ? field : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe, { tz: 'UTC', currentDate: new Date(0) }).next();
    } catch {
      return { name: names[i] ?? `field ${i + 1}`, value: fields[i] ?? '' };
    }
  }
  return undefined;
}
