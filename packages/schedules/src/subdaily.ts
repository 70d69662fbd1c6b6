// Iteration of FREQ=HOURLY/MINUTELY/SECONDLY rules, in floating wall time.
//
// rrule 2.8.1 gets these wrong when BYHOUR (or BYMINUTE for SECONDLY) filters the counter: on
// a carry it steps the hour by the carried amount instead of walking the INTERVAL grid, so
// `FREQ=MINUTELY;INTERVAL=7;BYHOUR=3` yields 03:03 instead of 03:02, INTERVAL=90 yields 03:30
// instead of 03:00, and `FREQ=MINUTELY;BYDAY=MO;BYHOUR=4` from a Thursday 06:39 never returns.
// The RFC 5545 semantics are simple for these frequencies, so they are computed here directly:
// periods start every INTERVAL units from the anchor's unit; BYMONTH/BYMONTHDAY/BYYEARDAY/BYDAY
// filter the period's day, BYHOUR/BYMINUTE/BYSECOND filter the period itself when they are at
// or above its unit and expand it below (HOURLY: BYMINUTE × BYSECOND; MINUTELY: BYSECOND);
// BYSETPOS picks among a period's expansions.
import { utcDate, weekdayOf } from './floating.js';
import { Freq } from './rrule-parse.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const END_OF_TIME = utcDate(10_000, 0, 1); // like rrule: nothing after year 9999

/** A sub-daily rule with every default explicit (see rrule-options.ts). */
export interface SubDailyRule {
  readonly freq: typeof Freq.HOURLY | typeof Freq.MINUTELY | typeof Freq.SECONDLY;
  readonly interval: number;
  readonly anchor: number;
  readonly untilWall: number | null;
  readonly bysetpos: readonly number[] | null;
  readonly bymonth: readonly number[] | null;
  readonly bymonthday: readonly number[] | null;
  readonly byyearday: readonly number[] | null;
  readonly byweekday: readonly number[] | null;
  readonly byhour: readonly number[] | null;
  readonly byminute: readonly number[] | null;
  readonly bysecond: readonly number[] | null;
}

/** A compiled sub-daily rule: `next(afterWall)` gives the first occurrence strictly after it. */
export class SubDailyIterator {
  private readonly unit: number;
  private readonly step: number;
  private readonly origin: number;
  private readonly offsets: readonly number[];
  private readonly filters: readonly ((p: number) => number)[];

  constructor(private readonly rule: SubDailyRule) {
    this.unit = rule.freq === Freq.HOURLY ? HOUR : rule.freq === Freq.MINUTELY ? MINUTE : SECOND;
    this.step = rule.interval * this.unit;
    this.origin = Math.floor(rule.anchor / this.unit) * this.unit;
    this.offsets = expansionOffsets(rule);
    this.filters = periodFilters(rule);
  }

  /** The first occurrence strictly after floating wall time `afterWall`, or null. */
  next(afterWall: number): number | null {
    const { rule, origin, step } = this;
    let k = Math.max(0, Math.floor((afterWall - origin) / step));
    for (;;) {
      const period = origin + k * step;
      if (period >= END_OF_TIME || (rule.untilWall !== null && period > rule.untilWall)) return null;
      const resume = this.resumeAt(period);
      if (resume > period) {
        k = Math.max(k + 1, Math.ceil((resume - origin) / step));
        continue;
      }
      for (const t of this.candidates(period)) {
        if (t <= afterWall || t < rule.anchor) continue;
        return rule.untilWall !== null && t > rule.untilWall ? null : t;
      }
      k++;
    }
  }

  // `period` when it passes every filter, else the earliest time a later period could pass.
  private resumeAt(period: number): number {
    for (const filter of this.filters) {
      const resume = filter(period);
      if (resume > period) return resume;
    }
    return period;
  }

  private candidates(period: number): number[] {
    const all = this.offsets.map((offset) => period + offset);
    const { bysetpos } = this.rule;
    if (bysetpos === null) return all;
    const picked = bysetpos
      .map((pos) => all[pos > 0 ? pos - 1 : all.length + pos])
      .filter((t): t is number => t !== undefined);
    return [...new Set(picked)].sort((a, b) => a - b);
  }
}

// Offsets within a period of the times it expands to, ascending.
function expansionOffsets(rule: SubDailyRule): number[] {
  const seconds = rule.freq === Freq.SECONDLY ? [0] : sorted(rule.bysecond).map((s) => s * SECOND);
  const minutes = rule.freq === Freq.HOURLY ? sorted(rule.byminute).map((m) => m * MINUTE) : [0];
  return minutes.flatMap((m) => seconds.map((s) => m + s));
}

// Each filter returns `p` when period `p` passes, else where to resume looking.
function periodFilters(rule: SubDailyRule): ((p: number) => number)[] {
  const nextDay = (p: number): number => (Math.floor(p / DAY) + 1) * DAY;
  const filters = [(p: number): number => (dayMatches(rule, p) ? p : nextDay(p))];
  const unitFilter = (values: readonly number[] | null, unit: number, per: number): void => {
    if (values === null) return;
    const allowed = new Set(values);
    filters.push((p) =>
      allowed.has(mod(Math.floor(p / unit), per)) ? p : (Math.floor(p / unit) + 1) * unit,
    );
  };
  unitFilter(rule.byhour, HOUR, 24);
  if (rule.freq !== Freq.HOURLY) unitFilter(rule.byminute, MINUTE, 60);
  if (rule.freq === Freq.SECONDLY) unitFilter(rule.bysecond, SECOND, 60);
  return filters;
}

function dayMatches(rule: SubDailyRule, p: number): boolean {
  const date = new Date(p);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  if (rule.bymonth !== null && !rule.bymonth.includes(month + 1)) return false;
  if (rule.byweekday !== null && !rule.byweekday.includes(weekdayOf(p))) return false;
  if (rule.bymonthday !== null) {
    const length = new Date(utcDate(year, month + 1, 0)).getUTCDate();
    if (!rule.bymonthday.includes(day) && !rule.bymonthday.includes(day - length - 1)) return false;
  }
  if (rule.byyearday !== null) {
    const yearDay = Math.floor((p - utcDate(year, 0, 1)) / DAY) + 1;
    const length = (utcDate(year + 1, 0, 1) - utcDate(year, 0, 1)) / DAY;
    if (!rule.byyearday.includes(yearDay) && !rule.byyearday.includes(yearDay - length - 1)) return false;
  }
  return true;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function sorted(values: readonly number[] | null): number[] {
  return [...(values ?? [0])].sort((a, b) => a - b);
}
