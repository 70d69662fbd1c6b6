// A strict RFC 5545 RRULE reader. rrule's own parser accepts out-of-range values and unknown
// values silently (and some of those make it loop forever), so every part is checked here.
import { InvalidRRuleError } from './errors.js';
import { utcDate } from './floating.js';

/** rrule's numbering: YEARLY = 0 ... SECONDLY = 6. */
export const Freq = {
  YEARLY: 0,
  MONTHLY: 1,
  WEEKLY: 2,
  DAILY: 3,
  HOURLY: 4,
  MINUTELY: 5,
  SECONDLY: 6,
} as const;
export type Freq = (typeof Freq)[keyof typeof Freq];

/** Weekdays as rrule numbers them: MO = 0 ... SU = 6. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** One BYDAY entry: a weekday (MO = 0) and an optional ordinal (`-1FR` → n = -1). */
export interface ByDay {
  readonly weekday: number;
  readonly n: number | null;
}

/** An UNTIL value: floating wall ms, and whether it was written in UTC (`...Z`). */
export interface Until {
  readonly wall: number;
  readonly utc: boolean;
}

/** A validated RRULE; `null` means the part is absent. */
export interface ParsedRRule {
  readonly freq: Freq;
  readonly interval: number;
  readonly count: number | null;
  readonly until: Until | null;
  readonly wkst: number;
  readonly bysetpos: readonly number[] | null;
  readonly bymonth: readonly number[] | null;
  readonly bymonthday: readonly number[] | null;
  readonly byyearday: readonly number[] | null;
  readonly byweekno: readonly number[] | null;
  readonly byday: readonly ByDay[] | null;
  readonly byhour: readonly number[] | null;
  readonly byminute: readonly number[] | null;
  readonly bysecond: readonly number[] | null;
}

/** Largest COUNT accepted: COUNT rules cannot be jumped, so their occurrences are listed once. */
export const MAX_COUNT = 1_000_000;

type NumberPart =
  'BYSETPOS' | 'BYMONTH' | 'BYMONTHDAY' | 'BYYEARDAY' | 'BYWEEKNO' | 'BYHOUR' | 'BYMINUTE' | 'BYSECOND';
const RANGES: Record<NumberPart, readonly [min: number, max: number, signed: boolean]> = {
  BYSETPOS: [1, 366, true],
  BYMONTH: [1, 12, false],
  BYMONTHDAY: [1, 31, true],
  BYYEARDAY: [1, 366, true],
  BYWEEKNO: [1, 53, true],
  BYHOUR: [0, 23, false],
  BYMINUTE: [0, 59, false],
  BYSECOND: [0, 59, false],
};
const KNOWN = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'WKST', 'BYDAY', ...Object.keys(RANGES)]);

/** Parses and validates an RRULE such as `FREQ=MONTHLY;BYDAY=-1FR` (an `RRULE:` prefix is allowed). */
export function parseRRule(rule: string): ParsedRRule {
  if (typeof rule !== 'string' || rule.trim() === '') {
    throw new InvalidRRuleError(String(rule), 'the rule is empty');
  }
  const parts = readParts(rule);
  const fail = (part: string, reason: string): never => {
    throw new InvalidRRuleError(rule, `${part} ${reason}`, part);
  };
  const freqText = parts.get('FREQ');
  if (freqText === undefined) return fail('FREQ', 'is required (e.g. FREQ=DAILY)');
  const freq = Object.hasOwn(Freq, freqText) ? Freq[freqText as keyof typeof Freq] : undefined;
  if (freq === undefined)
    return fail('FREQ', `value '${freqText}' is not one of ${Object.keys(Freq).join(', ')}`);
  const number = (part: NumberPart): number[] | null => readNumbers(parts.get(part), part, fail);
  const parsed: ParsedRRule = {
    freq,
    interval: readPositive(parts.get('INTERVAL'), 'INTERVAL', Number.MAX_SAFE_INTEGER, fail) ?? 1,
    count: readPositive(parts.get('COUNT'), 'COUNT', MAX_COUNT, fail),
    until: readUntil(parts.get('UNTIL'), fail),
    wkst: readWeekday(parts.get('WKST') ?? 'MO', 'WKST', fail),
    bysetpos: number('BYSETPOS'),
    bymonth: number('BYMONTH'),
    bymonthday: number('BYMONTHDAY'),
    byyearday: number('BYYEARDAY'),
    byweekno: number('BYWEEKNO'),
    byday: readByDay(parts.get('BYDAY'), fail),
    byhour: number('BYHOUR'),
    byminute: number('BYMINUTE'),
    bysecond: number('BYSECOND'),
  };
  checkCombinations(parsed, parts, fail);
  return parsed;
}

function readParts(rule: string): Map<string, string> {
  const body = rule.trim().replace(/^RRULE:/i, '');
  const parts = new Map<string, string>();
  for (const item of body.split(';')) {
    const lead = /^(DTSTART|TZID)\b/i.exec(item.trim())?.[1]?.toUpperCase();
    if (lead !== undefined) {
      throw new InvalidRRuleError(
        rule,
        `${lead} is not part of an RRULE: use the dtstart/timezone options`,
        lead,
      );
    }
    const match = /^([A-Za-z]+)=(.+)$/.exec(item.trim());
    if (match === null) throw new InvalidRRuleError(rule, `'${item}' is not a NAME=VALUE part`);
    const name = (match[1] ?? '').toUpperCase();
    if (!KNOWN.has(name)) throw new InvalidRRuleError(rule, `unknown part ${name}`, name);
    if (parts.has(name)) throw new InvalidRRuleError(rule, `${name} is given twice`, name);
    parts.set(name, (match[2] ?? '').trim().toUpperCase());
  }
  return parts;
}

type Fail = (part: string, reason: string) => never;

function readInteger(text: string, part: string, fail: Fail): number {
  if (!/^[+-]?\d{1,16}$/.test(text)) return fail(part, `value '${text}' is not an integer`);
  return Number(text);
}

function readPositive(text: string | undefined, part: string, max: number, fail: Fail): number | null {
  if (text === undefined) return null;
  const value = readInteger(text, part, fail);
  if (value < 1 || value > max) fail(part, `must be between 1 and ${max}, got ${value}`);
  return value;
}

function readNumbers(text: string | undefined, part: NumberPart, fail: Fail): number[] | null {
  if (text === undefined) return null;
  const [min, max, signed] = RANGES[part];
  const values = text.split(',').map((item) => readInteger(item.trim(), part, fail));
  for (const value of values) {
    const magnitude = signed ? Math.abs(value) : value;
    if (magnitude < min || magnitude > max) {
      const range = signed ? `${min}..${max} or -${max}..-${min}` : `${min}..${max}`;
      fail(part, `value ${value} is outside ${range}`);
    }
  }
  return [...new Set(values)];
}

function readWeekday(text: string, part: string, fail: Fail): number {
  const index = (WEEKDAYS as readonly string[]).indexOf(text);
  if (index < 0) return fail(part, `value '${text}' is not one of ${WEEKDAYS.join(', ')}`);
  return index;
}

function readByDay(text: string | undefined, fail: Fail): ByDay[] | null {
  if (text === undefined) return null;
  return text.split(',').map((item) => {
    const match = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item.trim());
    if (match === null) return fail('BYDAY', `value '${item}' is not a weekday such as MO, FR or -1FR`);
    const weekday = readWeekday(match[2] ?? '', 'BYDAY', fail);
    if (match[1] === undefined) return { weekday, n: null };
    const n = Number(match[1]);
    if (n === 0 || Math.abs(n) > 53)
      fail('BYDAY', `ordinal in '${item}' must be between 1 and 53 or -53 and -1`);
    return { weekday, n };
  });
}

function readUntil(text: string | undefined, fail: Fail): Until | null {
  if (text === undefined) return null;
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(text);
  if (match === null) return fail('UNTIL', `value '${text}' is not YYYYMMDD or YYYYMMDDTHHMMSS[Z]`);
  const [y, mo, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const dateOnly = match[4] === undefined;
  const [h, mi, s] = dateOnly ? [23, 59, 59] : [Number(match[4]), Number(match[5]), Number(match[6])];
  const wall = utcDate(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return fail('UNTIL', `value '${text}' is not a valid date-time`);
  }
  return { wall, utc: match[7] === 'Z' };
}

function checkCombinations(rule: ParsedRRule, parts: Map<string, string>, fail: Fail): void {
  const { freq } = rule;
  if (rule.count !== null && rule.until !== null) fail('COUNT', 'and UNTIL must not both be given');
  if (rule.byweekno !== null && freq !== Freq.YEARLY) fail('BYWEEKNO', 'is only allowed with FREQ=YEARLY');
  if (rule.byyearday !== null && (freq === Freq.MONTHLY || freq === Freq.WEEKLY || freq === Freq.DAILY)) {
    fail('BYYEARDAY', 'is not allowed with FREQ=MONTHLY, WEEKLY or DAILY');
  }
  if (rule.bymonthday !== null && freq === Freq.WEEKLY) fail('BYMONTHDAY', 'is not allowed with FREQ=WEEKLY');
  if (rule.byday?.some((d) => d.n !== null)) {
    if (freq !== Freq.MONTHLY && freq !== Freq.YEARLY) {
      fail('BYDAY', 'ordinals (such as -1FR) are only allowed with FREQ=MONTHLY or YEARLY');
    }
    if (freq === Freq.YEARLY && rule.byweekno !== null)
      fail('BYDAY', 'ordinals are not allowed with BYWEEKNO');
  }
  const byParts = [...parts.keys()].filter((name) => name.startsWith('BY') && name !== 'BYSETPOS');
  if (rule.bysetpos !== null && byParts.length === 0)
    fail('BYSETPOS', 'needs another BYxxx part to select from');
}
