// Rejects rules that can never produce an occurrence — where rrule (or our sub-daily iterator)
// would otherwise search until year 9999 or loop forever — and finds whether a rule fires in
// every hour of the day, which decides its daylight-saving policy (wall-clock.ts).
import type { Options } from 'rrule';
import { InvalidRRuleError } from './errors.js';
import { asArray } from './rrule-options.js';
import { Freq, type ParsedRRule } from './rrule-parse.js';

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const UNIT_S: Partial<Record<Freq, number>> = {
  [Freq.HOURLY]: 3600,
  [Freq.MINUTELY]: 60,
  [Freq.SECONDLY]: 1,
};

/**
 * Checks that the rule can produce occurrences at all and says whether it fires in every hour
 * of the day ('each' DST policy, see wall-clock.ts). Throws InvalidRRuleError otherwise.
 */
export function checkFeasible(
  text: string,
  rule: ParsedRRule,
  options: Partial<Options>,
  anchor: number,
): boolean {
  const hours = reachableHours(rule, options, anchor);
  if (hours.size === 0) {
    const reason =
      'BYDAY/BYHOUR/BYMINUTE/BYSECOND never match the times reached every INTERVAL from the start';
    throw new InvalidRRuleError(text, reason, 'INTERVAL');
  }
  checkMonths(text, rule, anchor);
  checkYearDays(text, rule);
  checkSetPositions(text, rule, options);
  return hours.size === 24;
}

// For DAILY and finer rules the counter only visits times congruent to the anchor's period
// start modulo gcd(INTERVAL · unit, 1 week), so some BYDAY/BYHOUR/BYMINUTE/BYSECOND
// combinations are never reached — rrule then searches until year 9999, or loops forever.
// Returns the hours of the day in which the rule can fire (empty: it never fires).
function reachableHours(rule: ParsedRRule, options: Partial<Options>, anchor: number): Set<number> {
  const byhour = asArray(options.byhour);
  const unit = rule.freq === Freq.DAILY ? DAY_S : UNIT_S[rule.freq];
  if (unit === undefined) return new Set(byhour ?? []);
  const weekdays = rule.byday === null ? null : new Set(rule.byday.map((d) => d.weekday));
  const byminute = rule.freq >= Freq.MINUTELY ? asArray(options.byminute) : null;
  const bysecond = rule.freq >= Freq.SECONDLY ? asArray(options.bysecond) : null;
  const step = gcd(((rule.interval % WEEK_S) * unit) % WEEK_S, WEEK_S);
  // Seconds since Monday 00:00 of the anchor's period (1970-01-01 was a Thursday).
  const start = Math.floor(mod(anchor / 1000 + 3 * DAY_S, WEEK_S) / unit) * unit;
  const hours = new Set<number>();
  for (let s = start % step; s < WEEK_S && hours.size < 24; s += step) {
    if (weekdays && !weekdays.has(Math.floor(s / DAY_S))) continue;
    if (unit === DAY_S) {
      for (const h of byhour ?? []) hours.add(h);
      continue;
    }
    const [h, m, sec] = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60];
    if ((byhour && !byhour.includes(h)) || (byminute && !byminute.includes(m))) continue;
    if (bysecond && !bysecond.includes(sec)) continue;
    hours.add(h);
  }
  return hours;
}

// Months a MONTHLY rule visits are fixed modulo gcd(INTERVAL, 12); BYMONTHDAY must exist in one
// of the allowed months (no 30 February).
function checkMonths(text: string, rule: ParsedRRule, anchor: number): void {
  let months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  if (rule.freq === Freq.MONTHLY) {
    const step = gcd(rule.interval % 12 || 12, 12);
    const anchorMonth = new Date(anchor).getUTCMonth();
    months = months.filter((m) => mod(m - 1 - anchorMonth, step) === 0);
  }
  if (rule.bymonth !== null) {
    const visited = new Set(months);
    months = rule.bymonth.filter((m) => visited.has(m));
    if (months.length === 0) {
      throw new InvalidRRuleError(
        text,
        'BYMONTH never matches the months reached every INTERVAL from the start',
        'BYMONTH',
      );
    }
  }
  const monthdays = rule.bymonthday;
  if (
    monthdays !== null &&
    !months.some((m) => monthdays.some((d) => Math.abs(d) <= (DAYS_IN_MONTH[m - 1] ?? 31)))
  ) {
    throw new InvalidRRuleError(
      text,
      'BYMONTHDAY does not exist in any month allowed by BYMONTH',
      'BYMONTHDAY',
    );
  }
  const monthly = rule.freq === Freq.MONTHLY || (rule.freq === Freq.YEARLY && rule.bymonth !== null);
  if (monthly && rule.byday?.every((d) => d.n !== null && Math.abs(d.n) > 5)) {
    throw new InvalidRRuleError(text, 'no month has more than five of a weekday', 'BYDAY');
  }
}

// BYYEARDAY must fall in a month allowed by BYMONTH, in a common or a leap year.
function checkYearDays(text: string, rule: ParsedRRule): void {
  const { byyearday, bymonth } = rule;
  if (byyearday === null || bymonth === null) return;
  const fits = [365, 366].some((length) =>
    byyearday.some((d) => {
      const day = d > 0 ? d : length + d + 1;
      return (
        day <= length &&
        bymonth.includes(new Date(Date.UTC(length === 366 ? 2000 : 2001, 0, day)).getUTCMonth() + 1)
      );
    }),
  );
  if (!fits)
    throw new InvalidRRuleError(text, 'BYYEARDAY never falls in a month allowed by BYMONTH', 'BYYEARDAY');
}

// BYSETPOS picks among one period's candidates: at most (days in the period) × (times a day).
function checkSetPositions(text: string, rule: ParsedRRule, options: Partial<Options>): void {
  if (rule.bysetpos === null) return;
  const count = (values: Options['byhour'] | undefined): number => asArray(values)?.length ?? 1;
  // A period expands into the time parts below its own unit (sub-daily) or into all of them.
  const expanded = {
    [Freq.HOURLY]: [options.byminute, options.bysecond],
    [Freq.MINUTELY]: [options.bysecond],
    [Freq.SECONDLY]: [],
  }[rule.freq as number] ?? [options.byhour, options.byminute, options.bysecond];
  const times = expanded.reduce<number>((product, values) => product * count(values), 1);
  const days = [366, 31, 7, 1, 1, 1, 1][rule.freq] ?? 1;
  if (rule.bysetpos.every((pos) => Math.abs(pos) > days * times)) {
    const reason = `BYSETPOS never selects anything: a period has at most ${days * times} candidates`;
    throw new InvalidRRuleError(text, reason, 'BYSETPOS');
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
