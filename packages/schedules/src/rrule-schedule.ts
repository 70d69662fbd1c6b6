import { DateTime } from 'luxon';
import { InvalidScheduleArgumentError, NoNextOccurrenceError } from './errors.js';
import { checkFeasible } from './rrule-feasibility.js';
import { explicitOptions } from './rrule-options.js';
import { parseRRule, type ParsedRRule } from './rrule-parse.js';
import { createWallSource, type WallSource } from './rrule-source.js';
import { collectOccurrences, instantArgument, type RRuleScheduleData, type Schedule } from './schedule.js';
import { resolveTimeZone, ZoneClock } from './time-zone.js';
import { nextInstant, type RepeatedWallTimes } from './wall-clock.js';

/**
 * Options of `RRuleSchedule`.
 * @example
 * ```ts
 * const options: RRuleScheduleOptions = { dtstart: '2026-01-05T09:00', timezone: 'Europe/Zurich' };
 * ```
 */
export interface RRuleScheduleOptions {
  /**
   * Where the rule starts and what it inherits: parts the rule leaves out (time of day,
   * weekday, day of month) are taken from it, and INTERVAL counts from it. A `Date` is an
   * instant; an ISO 8601 string without an offset (`'2026-01-05T09:00'`) is a wall time in
   * `timezone`. Default: 1970-01-01T00:00:00 wall time in `timezone`. Milliseconds are dropped.
   * Required when the rule has COUNT or UNTIL: COUNT counts occurrences from the start, and a
   * rule silently anchored at 1970 would have run out long ago.
   */
  readonly dtstart?: Date | string;
  /** IANA time zone the rule is evaluated in. Default `'UTC'`. */
  readonly timezone?: string;
}

/**
 * An RFC 5545 recurrence rule (`FREQ=MONTHLY;BYDAY=-1FR`) in an IANA time zone, evaluated in
 * "floating" wall time and turned into instants with luxon — rrule's own TZID support is not
 * used. DAILY and coarser rules are iterated by rrule; HOURLY, MINUTELY and SECONDLY rules by
 * this package (rrule 2.8.1 leaves the INTERVAL grid when BYHOUR/BYMINUTE filter them).
 *
 * Guarantees:
 * - anchored and pure: without `dtstart` the rule starts at 1970-01-01T00:00:00 in its zone,
 *   so `FREQ=WEEKLY;BYDAY=FR` fires on Fridays at 00:00:00 and `FREQ=HOURLY;INTERVAL=2` at even
 *   hours, on every machine and after every restart (never re-anchored at "now");
 * - a rule that ends (COUNT or UNTIL) must say where it starts: without `dtstart` it is
 *   rejected at construction, never "already ended" in silence (`FREQ=DAILY;COUNT=5` from
 *   1970 would have ended on 1970-01-05);
 * - fast: the search restarts at the period containing `after` (respecting INTERVAL and WKST),
 *   so a `FREQ=MINUTELY` rule decades after its start answers in microseconds; COUNT rules
 *   (which count from the start) are listed once and then searched;
 * - exact daylight saving, as `CronSchedule`: a skipped wall time fires once at the first
 *   instant after the gap, a repeated one once at its first instant — except rules that fire
 *   in every hour of the day (`FREQ=HOURLY`, `FREQ=MINUTELY;INTERVAL=15`, ...), which fire at
 *   each real instant whose wall time matches;
 * - a rule that can never fire (`BYMONTH=2;BYMONTHDAY=30`, `FREQ=HOURLY;INTERVAL=24;BYHOUR=5`
 *   from midnight) is rejected when constructed instead of searching until year 9999.
 *
 * Parts: FREQ, INTERVAL, COUNT (≤ 1,000,000), UNTIL (`...Z` is an instant, without `Z` a wall
 * time; a date alone covers that whole day), BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY,
 * BYYEARDAY, BYWEEKNO, BYMONTH, BYSETPOS, WKST — with RFC 5545's ranges and combinations.
 *
 * @example
 * ```ts
 * const lastFriday = new RRuleSchedule('FREQ=MONTHLY;BYDAY=-1FR', { timezone: 'Europe/Zurich' });
 * lastFriday.preview(2, new Date('2026-03-11T12:00:00Z')); // [2026-03-26T23:00Z, 2026-04-23T22:00Z]
 * const fiveDays = new RRuleSchedule('FREQ=DAILY;COUNT=5', { dtstart: '2026-03-02T06:00' });
 * fiveDays.nextOccurrence(new Date('2026-03-06T06:00Z')); // throws NoNextOccurrenceError: all five ran
 * new RRuleSchedule('FREQ=DAILY;COUNT=5'); // throws InvalidScheduleArgumentError: give a dtstart
 * ```
 */
export class RRuleSchedule implements Schedule {
  /** The rule, as given. */
  readonly rule: string;
  /** Canonical IANA zone name. */
  readonly timezone: string;
  /** The start instant, when one was given. */
  readonly dtstart: Date | undefined;
  private readonly zone: ZoneClock;
  private readonly source: WallSource;
  private readonly repeated: RepeatedWallTimes;
  private exhaustedFrom = Infinity;

  /**
   * @throws InvalidRRuleError naming the bad part, for malformed rules, RFC 5545 violations and
   * rules that can never fire (`BYMONTH=2;BYMONTHDAY=30`, unreachable BYHOUR with INTERVAL).
   * @throws InvalidTimeZoneError for an unknown `timezone`.
   * @throws InvalidScheduleArgumentError when `dtstart` cannot be read, or is missing from a
   * rule with COUNT or UNTIL.
   */
  constructor(rule: string, options: RRuleScheduleOptions = {}) {
    this.rule = rule;
    const parsed = parseRRule(rule);
    if (options.dtstart === undefined) requireDtstartIfBounded(rule, parsed);
    this.timezone = resolveTimeZone(options.timezone ?? 'UTC');
    this.zone = ZoneClock.of(this.timezone);
    this.dtstart = options.dtstart === undefined ? undefined : readDtstart(options.dtstart, this.timezone);
    const anchor =
      this.dtstart === undefined ? 0 : Math.floor(this.zone.wallAt(this.dtstart.getTime()) / 1000) * 1000;
    const until = parsed.until;
    const untilWall = until === null ? null : until.utc ? this.zone.wallAt(until.wall) : until.wall;
    const explicit = explicitOptions(parsed, anchor, untilWall);
    this.repeated = checkFeasible(rule, parsed, explicit, anchor) ? 'each' : 'first';
    this.source = createWallSource(parsed, explicit, anchor);
  }

  /**
   * The first occurrence strictly after `after` (default: now).
   * @throws NoNextOccurrenceError when COUNT or UNTIL is used up (or the rule runs past 9999).
   * @throws InvalidScheduleArgumentError when `after` is not a valid `Date`.
   */
  nextOccurrence(after?: Date): Date {
    const from = instantArgument(after);
    const next = this.next(from);
    if (next === null) throw new NoNextOccurrenceError(this.toString(), new Date(from));
    return new Date(next);
  }

  /**
   * Up to `count` occurrences strictly after `after` (default: now); fewer when the rule ends.
   * @throws InvalidScheduleArgumentError for a bad `count` or `after`.
   */
  preview(count: number, after?: Date): Date[] {
    return collectOccurrences(count, after, (t) => this.next(t));
  }

  /** `{ kind: 'rrule', rule, timezone, dtstart? }` — rebuild it with `scheduleFromData`. */
  toJSON(): RRuleScheduleData {
    const base = { kind: 'rrule', rule: this.rule, timezone: this.timezone } as const;
    return this.dtstart === undefined ? base : { ...base, dtstart: this.dtstart.toISOString() };
  }

  /** E.g. `rrule 'FREQ=MONTHLY;BYDAY=-1FR' (UTC)`. */
  toString(): string {
    return `rrule '${this.rule}' (${this.timezone})`;
  }

  private next(after: number): number | null {
    return nextInstant(this.zone, after, (wall) => this.nextWall(wall), this.repeated);
  }

  private nextWall(afterWall: number): number | null {
    if (afterWall >= this.exhaustedFrom) return null;
    const next = this.source.next(afterWall);
    if (next === null) this.exhaustedFrom = afterWall;
    return next;
  }
}

/** COUNT and UNTIL only make sense from a start the user chose: refuse the implicit 1970 one. */
function requireDtstartIfBounded(rule: string, parsed: ParsedRRule): void {
  const part = parsed.count !== null ? 'COUNT' : parsed.until !== null ? 'UNTIL' : null;
  if (part === null) return;
  const why =
    part === 'COUNT'
      ? 'COUNT counts occurrences from the start'
      : 'UNTIL ends it, and INTERVAL and the parts it leaves out count from the start';
  throw new InvalidScheduleArgumentError(
    'dtstart',
    `the rule '${rule}' has ${part}, so it needs a dtstart: ${why}, and without one it would ` +
      `start at 1970-01-01 and have ended before it begins. Pass { dtstart: '2026-01-05T09:00' } ` +
      `(a wall time in the rule's time zone, or a Date)`,
  );
}

function readDtstart(value: Date | string, timezone: string): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return new Date(value.getTime());
  if (typeof value === 'string') {
    const parsed = DateTime.fromISO(value, { zone: timezone });
    if (parsed.isValid) return parsed.toJSDate();
  }
  throw new InvalidScheduleArgumentError(
    'dtstart',
    `expected a valid Date or ISO 8601 string (e.g. '2026-01-05T09:00'), got ${String(value)}`,
  );
}
