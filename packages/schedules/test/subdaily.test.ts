// FREQ=HOURLY/MINUTELY/SECONDLY rules run on our own iterator (src/subdaily.ts) because rrule
// 2.8.1 leaves the INTERVAL grid (or never returns) when BYHOUR/BYMINUTE filter a carried
// counter. Checked three ways: values that follow from RFC 5545 by hand, rrule itself on the
// shapes it gets right, and a per-second membership test written straight from the RFC.
import rrule from 'rrule';
import { describe, expect, it } from 'vitest';
import { InvalidRRuleError, RRuleSchedule } from '../src/index.js';
import { randomCase, type Case } from './random-rules.js';
import { expectMatchesReference, probes, seeded } from './reference.js';

const { RRule } = rrule;
const EPOCH = new Date(0);
const first = (rule: string, after = new Date(-1)): string =>
  new RRuleSchedule(rule).nextOccurrence(after).toISOString();

describe('sub-daily rules follow the INTERVAL grid (where rrule 2.8.1 does not)', () => {
  it('FREQ=MINUTELY;INTERVAL=7;BYHOUR=3 starts at 03:02 (minute 182 = 26 × 7), not 03:03', () => {
    expect(first('FREQ=MINUTELY;INTERVAL=7;BYHOUR=3')).toBe('1970-01-01T03:02:00.000Z');
    expect(
      new RRuleSchedule('FREQ=MINUTELY;INTERVAL=7;BYHOUR=3').preview(3, EPOCH).map((d) => d.getUTCMinutes()),
    ).toEqual([2, 9, 16]);
  });

  it('FREQ=MINUTELY;INTERVAL=90;BYHOUR=3 runs at 03:00 on day one (minute 180 = 2 × 90)', () => {
    expect(first('FREQ=MINUTELY;INTERVAL=90;BYHOUR=3')).toBe('1970-01-01T03:00:00.000Z');
    // 90 minutes × 16 = 1 day, so 03:00 recurs daily.
    expect(first('FREQ=MINUTELY;INTERVAL=90;BYHOUR=3', new Date('1970-01-01T03:00:00Z'))).toBe(
      '1970-01-02T03:00:00.000Z',
    );
  });

  it('answers rules on which rrule never returns', () => {
    const dtstart = new Date('2026-06-25T06:39:43Z'); // a Thursday
    const schedule = new RRuleSchedule('FREQ=MINUTELY;BYDAY=MO,TU;BYHOUR=4', { dtstart });
    expect(schedule.nextOccurrence(dtstart).toISOString()).toBe('2026-06-29T04:00:43.000Z');
    const secondly = new RRuleSchedule('FREQ=SECONDLY;BYDAY=MO,TU;BYHOUR=4;BYSECOND=10', { dtstart });
    expect(secondly.preview(2, dtstart).map((d) => d.toISOString())).toEqual([
      '2026-06-29T04:00:10.000Z',
      '2026-06-29T04:01:10.000Z',
    ]);
  });

  it('expands HOURLY by BYMINUTE × BYSECOND and picks with BYSETPOS', () => {
    const rule = 'FREQ=HOURLY;INTERVAL=3;BYMINUTE=0,30;BYSECOND=5,10;BYSETPOS=2,-1';
    expect(new RRuleSchedule(rule).preview(4, EPOCH).map((d) => d.toISOString().slice(11, 19))).toEqual([
      '00:00:10',
      '00:30:10',
      '03:00:10',
      '03:30:10',
    ]);
  });

  it('drops the times of the first period that come before DTSTART', () => {
    const schedule = new RRuleSchedule('FREQ=HOURLY;BYMINUTE=0,45', { dtstart: '2026-01-01T09:30Z' });
    expect(schedule.preview(3, new Date('2026-01-01T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-01-01T09:45:00.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:45:00.000Z',
    ]);
  });

  it('applies day filters, including negative BYMONTHDAY and BYYEARDAY', () => {
    const lastDay = new RRuleSchedule('FREQ=HOURLY;INTERVAL=6;BYMONTHDAY=-1');
    expect(lastDay.nextOccurrence(new Date('2026-02-10T00:00:00Z')).toISOString()).toBe(
      '2026-02-28T00:00:00.000Z',
    );
    const newYear = new RRuleSchedule('FREQ=MINUTELY;INTERVAL=30;BYYEARDAY=1,-1;BYHOUR=12');
    expect(newYear.preview(3, new Date('2026-06-01T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-12-31T12:00:00.000Z',
      '2026-12-31T12:30:00.000Z',
      '2027-01-01T12:00:00.000Z',
    ]);
  });
});

// RFC 5545 membership, second by second: is `t` produced by the rule anchored at DTSTART?
function membership(c: Case): (t: number) => boolean {
  const parts = new Map(c.text.split(';').map((p) => p.split('=') as [string, string]));
  const nums = (name: string): number[] | null => parts.get(name)?.split(',').map(Number) ?? null;
  const has = (list: number[] | null, value: number, alias?: number): boolean =>
    list === null || list.includes(value) || (alias !== undefined && list.includes(alias));
  const [bymonth, bymonthday, byyearday] = [nums('BYMONTH'), nums('BYMONTHDAY'), nums('BYYEARDAY')];
  const [byhour, byminute, bysecond, bysetpos] = [
    nums('BYHOUR'),
    nums('BYMINUTE'),
    nums('BYSECOND'),
    nums('BYSETPOS'),
  ];
  const byday = parts.get('BYDAY')?.split(',') ?? null;
  const unit = { HOURLY: 3_600_000, MINUTELY: 60_000, SECONDLY: 1000 }[c.freq as 'HOURLY'];
  const anchor = c.dtstart.getTime();
  const a = new Date(anchor);
  const origin = Math.floor(anchor / unit) * unit;
  const step = Number(parts.get('INTERVAL') ?? 1) * unit;
  // Expansion below the period's unit, with DTSTART's fields as defaults.
  const minutes = c.freq === 'HOURLY' ? (byminute ?? [a.getUTCMinutes()]) : [0];
  const seconds = c.freq === 'SECONDLY' ? [0] : (bysecond ?? [a.getUTCSeconds()]);
  const offsets = minutes.flatMap((m) => seconds.map((s) => m * 60_000 + s * 1000)).sort((x, y) => x - y);
  const chosen =
    bysetpos === null ? offsets : bysetpos.map((p) => offsets[p > 0 ? p - 1 : offsets.length + p]);
  return (t) => {
    const period = Math.floor(t / unit) * unit;
    if (t < anchor || (period - origin) % step !== 0 || !chosen.includes(t - period)) return false;
    const d = new Date(period);
    const [y, mo, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
    const monthLength = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
    const yearDay = Math.floor((period - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
    const yearLength = (Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1)) / 86_400_000;
    const weekday = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][(d.getUTCDay() + 6) % 7] ?? '';
    if (!has(bymonth, mo + 1) || !has(bymonthday, day, day - monthLength - 1)) return false;
    if (!has(byyearday, yearDay, yearDay - yearLength - 1) || (byday !== null && !byday.includes(weekday)))
      return false;
    if (!has(byhour, d.getUTCHours())) return false;
    if (c.freq !== 'HOURLY' && !has(byminute, d.getUTCMinutes())) return false;
    return c.freq !== 'SECONDLY' || has(bysecond, d.getUTCSeconds());
  };
}

function schedulesFor(random: () => number, n: number, keep: (c: Case) => boolean): [Case, RRuleSchedule][] {
  const out: [Case, RRuleSchedule][] = [];
  while (out.length < n) {
    const c = randomCase(random, ['HOURLY', 'MINUTELY', 'SECONDLY']);
    if (!keep(c)) continue;
    try {
      out.push([c, new RRuleSchedule(c.text, { dtstart: c.dtstart })]);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRRuleError);
    }
  }
  return out;
}

describe('sub-daily property tests', { timeout: 60_000 }, () => {
  it('agrees with rrule on the shapes rrule gets right (no BYHOUR/BYMINUTE filtering a carry)', () => {
    const random = seeded(7);
    const safe = (c: Case): boolean =>
      !/COUNT|UNTIL/.test(c.text) &&
      (c.freq === 'HOURLY' ||
        (!c.text.includes('BYHOUR') && (c.freq === 'MINUTELY' || !c.text.includes('BYMINUTE'))));
    let checked = 0;
    for (const [c, schedule] of schedulesFor(random, 150, safe)) {
      const slow = new RRule({ ...RRule.parseString(c.text), dtstart: c.dtstart });
      const reference = slow
        .between(new Date(c.start), new Date(c.end), true)
        .map((d) => d.getTime())
        .sort((a, b) => a - b);
      const next = (t: number): number => schedule.nextOccurrence(new Date(t)).getTime();
      checked += expectMatchesReference(
        c.text,
        next,
        reference,
        probes(random, c.start, c.end, reference, 30),
      );
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('agrees with a second-by-second RFC 5545 membership test on every shape', () => {
    const random = seeded(11);
    let checked = 0;
    for (const [c, schedule] of schedulesFor(random, 120, (x) => !/COUNT|UNTIL/.test(x.text))) {
      const span = Math.min(c.end - c.start, c.freq === 'HOURLY' ? 86_400_000 : 3 * 3_600_000);
      const reference: number[] = [];
      const member = membership(c);
      for (let t = c.start - (c.start % 1000); t < c.start + span; t += 1000)
        if (member(t)) reference.push(t);
      const next = (t: number): number => schedule.nextOccurrence(new Date(t)).getTime();
      checked += expectMatchesReference(
        c.text,
        next,
        reference,
        probes(random, c.start, c.start + span, reference, 30),
      );
    }
    expect(checked).toBeGreaterThan(1500);
  });
});
