import { describe, expect, it } from 'vitest';
import {
  InvalidScheduleArgumentError,
  NoNextOccurrenceError,
  RRuleSchedule,
  TasksError,
} from '../src/index.js';

const AFTER = new Date('2026-03-11T12:03:27Z');
const next = (rule: string, after = AFTER, options = {}): string =>
  new RRuleSchedule(rule, options).nextOccurrence(after).toISOString();

describe('RRuleSchedule reference values (UTC, anchored at 1970-01-01T00:00:00)', () => {
  it.each([
    ['FREQ=MONTHLY;BYDAY=-1FR', '2026-03-27T00:00:00.000Z'],
    ['FREQ=DAILY;BYHOUR=6;BYMINUTE=0;BYSECOND=0', '2026-03-12T06:00:00.000Z'],
    ['FREQ=HOURLY;INTERVAL=2', '2026-03-11T14:00:00.000Z'],
    ['FREQ=WEEKLY;BYDAY=FR', '2026-03-13T00:00:00.000Z'],
    ['FREQ=MINUTELY;INTERVAL=15', '2026-03-11T12:15:00.000Z'],
  ])('%s after 2026-03-11T12:03:27Z is %s', (rule, expected) => {
    expect(next(rule)).toBe(expected);
  });

  it('FREQ=DAILY;COUNT=1 has no future occurrence and says so', () => {
    const schedule = new RRuleSchedule('FREQ=DAILY;COUNT=1', { dtstart: '2026-03-01T00:00Z' });
    let error: unknown;
    try {
      schedule.nextOccurrence(AFTER);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NoNextOccurrenceError);
    expect(error).toBeInstanceOf(TasksError);
    expect((error as NoNextOccurrenceError).code).toBe('NO_NEXT_OCCURRENCE');
    expect((error as Error).message).toBe(
      "rrule 'FREQ=DAILY;COUNT=1' (UTC) has no occurrence after 2026-03-11T12:03:27.000Z",
    );
    expect(schedule.preview(3, new Date('2026-02-01T00:00Z'))).toEqual([new Date('2026-03-01T00:00Z')]);
    expect(schedule.preview(3, AFTER)).toEqual([]);
  });

  it('exposes the rule and zone, and accepts an RRULE: prefix and lower case', () => {
    const schedule = new RRuleSchedule('RRULE:freq=weekly;byday=fr');
    expect(schedule.rule).toBe('RRULE:freq=weekly;byday=fr');
    expect(schedule.timezone).toBe('UTC');
    expect(schedule.dtstart).toBeUndefined();
    expect(schedule.nextOccurrence(AFTER).toISOString()).toBe('2026-03-13T00:00:00.000Z');
  });
});

describe('RRuleSchedule anchoring', () => {
  it('counts INTERVAL from the anchor, not from now', () => {
    // Weeks counted from the week of 1970-01-01 (Monday-start week of 1969-12-29).
    const every3Weeks = new RRuleSchedule('FREQ=WEEKLY;INTERVAL=3;BYDAY=MO');
    const runs = every3Weeks.preview(3, AFTER).map((d) => d.getTime());
    const weekOf = (t: number): number => Math.floor((t - Date.UTC(1969, 11, 29)) / (7 * 86_400_000));
    for (const run of runs) expect(weekOf(run) % 3).toBe(0);
    expect(runs[1]! - runs[0]!).toBe(21 * 86_400_000);
  });

  it('takes omitted fields and the INTERVAL origin from dtstart', () => {
    const dtstart = new Date('2026-01-05T09:30:15Z'); // a Monday
    expect(next('FREQ=WEEKLY', AFTER, { dtstart })).toBe('2026-03-16T09:30:15.000Z');
    expect(next('FREQ=DAILY;INTERVAL=10', AFTER, { dtstart })).toBe('2026-03-16T09:30:15.000Z');
    expect(next('FREQ=MONTHLY', AFTER, { dtstart })).toBe('2026-04-05T09:30:15.000Z');
    expect(next('FREQ=YEARLY', AFTER, { dtstart })).toBe('2027-01-05T09:30:15.000Z');
    // 1563 hours from 09:00 on 01-05 to 12:00 on 03-11; the 5-hour grid has 1560 and 1565.
    expect(next('FREQ=HOURLY;INTERVAL=5', AFTER, { dtstart })).toBe('2026-03-11T14:30:15.000Z');
  });

  it('reads dtstart strings without an offset as wall time in the zone', () => {
    const options = { dtstart: '2026-01-05T09:00', timezone: 'Europe/Zurich' };
    const schedule = new RRuleSchedule('FREQ=DAILY', options);
    expect(schedule.dtstart?.toISOString()).toBe('2026-01-05T08:00:00.000Z');
    expect(schedule.nextOccurrence(AFTER).toISOString()).toBe('2026-03-12T08:00:00.000Z'); // 09:00 CET
    expect(schedule.nextOccurrence(new Date('2026-06-01T00:00:00Z')).toISOString()).toBe(
      '2026-06-01T07:00:00.000Z', // 09:00 CEST: the wall time stays, the UTC time moves
    );
  });

  it('never produces anything before dtstart, and a future dtstart is its first run', () => {
    const dtstart = new Date('2027-02-01T06:00:00Z');
    expect(next('FREQ=DAILY', AFTER, { dtstart })).toBe('2027-02-01T06:00:00.000Z');
  });

  it('rejects an unreadable dtstart', () => {
    expect(() => new RRuleSchedule('FREQ=DAILY', { dtstart: 'yesterday' })).toThrow(
      InvalidScheduleArgumentError,
    );
    expect(() => new RRuleSchedule('FREQ=DAILY', { dtstart: new Date('x') })).toThrow(/Invalid dtstart/);
  });
});

describe('RRuleSchedule COUNT and UNTIL', () => {
  it('counts COUNT from the anchor', () => {
    const dtstart = new Date('2026-03-10T00:00:00Z');
    const schedule = new RRuleSchedule('FREQ=DAILY;COUNT=3', { dtstart });
    expect(schedule.preview(5, new Date('2026-03-01T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
    ]);
    expect(() => schedule.nextOccurrence(new Date('2026-03-12T00:00:00Z'))).toThrow(NoNextOccurrenceError);
  });

  it('rejects COUNT or UNTIL without a dtstart, saying to give one', () => {
    for (const rule of ['FREQ=DAILY;COUNT=5', 'FREQ=DAILY;UNTIL=20270101', 'RRULE:FREQ=SECONDLY;COUNT=3']) {
      let error: unknown;
      try {
        new RRuleSchedule(rule);
      } catch (caught) {
        error = caught;
      }
      expect(error, rule).toBeInstanceOf(InvalidScheduleArgumentError);
      expect((error as InvalidScheduleArgumentError).argument).toBe('dtstart');
      expect((error as Error).message).toMatch(/needs a dtstart: .* Pass \{ dtstart: '2026-01-05T09:00' \}/);
      expect((error as Error).message).toContain(rule);
    }
    // The DiracX port: five runs from the dtstart given, none before, none after.
    const five = new RRuleSchedule('FREQ=DAILY;COUNT=5', { dtstart: '2026-03-12T06:00' });
    const runs = five.preview(10, AFTER).map((d) => d.toISOString().slice(0, 10));
    expect(runs).toEqual(['2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16']);
  });

  it('treats UNTIL as inclusive; a date-only UNTIL covers that whole day', () => {
    const from = { dtstart: '2026-01-01T00:00Z' };
    const withTime = new RRuleSchedule('FREQ=DAILY;BYHOUR=6;UNTIL=20260313T060000Z', from);
    expect(withTime.preview(5, AFTER).map((d) => d.toISOString())).toEqual([
      '2026-03-12T06:00:00.000Z',
      '2026-03-13T06:00:00.000Z',
    ]);
    const dateOnly = new RRuleSchedule('FREQ=DAILY;BYHOUR=6;UNTIL=20260313', from);
    expect(dateOnly.preview(5, AFTER)).toHaveLength(2);
  });

  it('reads a UTC UNTIL as an instant and a floating one as wall time in the zone', () => {
    const zurich = { timezone: 'Europe/Zurich', dtstart: '2026-01-01T00:00' };
    // 06:00 Zurich is 05:00Z in March: UNTIL 05:00Z includes it, UNTIL 05:00 wall time does not.
    expect(
      new RRuleSchedule('FREQ=DAILY;BYHOUR=6;UNTIL=20260312T050000Z', zurich).preview(3, AFTER),
    ).toHaveLength(1);
    expect(
      new RRuleSchedule('FREQ=DAILY;BYHOUR=6;UNTIL=20260312T050000', zurich).preview(3, AFTER),
    ).toHaveLength(0);
  });

  it('keeps answering that a rule has ended', () => {
    const schedule = new RRuleSchedule('FREQ=MINUTELY;UNTIL=19700102T000000Z', { dtstart: new Date(0) });
    expect(() => schedule.nextOccurrence(AFTER)).toThrow(NoNextOccurrenceError);
    for (let i = 0; i < 1000; i++) expect(schedule.preview(1, new Date(AFTER.getTime() + i))).toEqual([]);
  });
});
