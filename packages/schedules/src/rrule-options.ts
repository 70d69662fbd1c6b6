// Builds the rrule options of a validated rule with every default made explicit from the
// anchor, so that moving DTSTART forward — the "jump" — cannot change which times are produced.
import rrule, { type Options } from 'rrule';
import { weekdayOf } from './floating.js';
import { Freq, type ParsedRRule } from './rrule-parse.js';

const { Weekday } = rrule;

/** Explicit rrule options (without `dtstart`) for `rule` anchored at floating wall time `anchor`. */
export function explicitOptions(
  rule: ParsedRRule,
  anchor: number,
  untilWall: number | null,
): Partial<Options> {
  const a = new Date(anchor);
  const dayRules = rule.byweekno ?? rule.byyearday ?? rule.bymonthday ?? rule.byday;
  let { bymonth, bymonthday } = rule;
  let byday = rule.byday;
  if (dayRules === null) {
    if (rule.freq === Freq.YEARLY) bymonth ??= [a.getUTCMonth() + 1];
    if (rule.freq === Freq.YEARLY || rule.freq === Freq.MONTHLY) bymonthday = [a.getUTCDate()];
    if (rule.freq === Freq.WEEKLY) byday = [{ weekday: weekdayOf(anchor), n: null }];
  }
  return {
    freq: rule.freq,
    interval: rule.interval,
    wkst: rule.wkst,
    count: rule.count,
    until: untilWall === null ? null : new Date(untilWall),
    bysetpos: list(rule.bysetpos),
    bymonth: list(bymonth),
    bymonthday: list(bymonthday),
    byyearday: list(rule.byyearday),
    byweekno: list(rule.byweekno),
    byweekday: byday === null ? null : byday.map((d) => new Weekday(d.weekday, d.n ?? undefined)),
    byhour: list(rule.byhour) ?? (rule.freq < Freq.HOURLY ? [a.getUTCHours()] : null),
    byminute: list(rule.byminute) ?? (rule.freq < Freq.MINUTELY ? [a.getUTCMinutes()] : null),
    bysecond: list(rule.bysecond) ?? (rule.freq < Freq.SECONDLY ? [a.getUTCSeconds()] : null),
  };
}

// Sorted: rrule emits a period's times in BYHOUR × BYMINUTE × BYSECOND order, and `after()`
// returns the first one emitted past the query, so unsorted lists would give a later time.
function list(values: readonly number[] | null): number[] | null {
  return values === null ? null : [...values].sort((a, b) => a - b);
}

export function asArray(value: Options['byhour'] | undefined): number[] | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? [value] : value;
}
