import { describe, expect, it } from 'vitest';
import { InvalidRRuleError, InvalidTimeZoneError, RRuleSchedule } from '../src/index.js';

function rejection(rule: string, options = {}): InvalidRRuleError {
  try {
    new RRuleSchedule(rule, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRRuleError);
    return error as InvalidRRuleError;
  }
  throw new Error(`expected ${rule} to be rejected`);
}

describe('RRuleSchedule rejects bad rules at construction, naming the part', () => {
  it.each([
    ['FREQ=DAILY;BYHOUR=25', 'BYHOUR', 'BYHOUR value 25 is outside 0..23'],
    ['FREQ=DAILY;BYMINUTE=60', 'BYMINUTE', 'outside 0..59'],
    ['FREQ=DAILY;BYSECOND=60', 'BYSECOND', 'outside 0..59'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY', 'outside 1..31 or -31..-1'],
    ['FREQ=YEARLY;BYMONTH=13', 'BYMONTH', 'outside 1..12'],
    ['FREQ=YEARLY;BYWEEKNO=54', 'BYWEEKNO', 'outside'],
    ['FREQ=YEARLY;BYYEARDAY=367', 'BYYEARDAY', 'outside'],
    ['FREQ=MONTHLY;BYDAY=FR;BYSETPOS=0', 'BYSETPOS', 'outside'],
    ['FREQ=DAILY;BYHOUR=six', 'BYHOUR', "'SIX' is not an integer"],
    ['FREQ=FORTNIGHTLY', 'FREQ', "'FORTNIGHTLY' is not one of YEARLY"],
    ['BYDAY=MO', 'FREQ', 'FREQ is required'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL', 'between 1 and'],
    ['FREQ=DAILY;INTERVAL=-2', 'INTERVAL', 'between 1 and'],
    ['FREQ=DAILY;COUNT=0', 'COUNT', 'between 1 and 1000000'],
    ['FREQ=DAILY;COUNT=2;UNTIL=20270101', 'COUNT', 'must not both be given'],
    ['FREQ=DAILY;UNTIL=2027-01-01', 'UNTIL', 'is not YYYYMMDD'],
    ['FREQ=DAILY;UNTIL=20270230', 'UNTIL', 'not a valid date-time'],
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY', "'XX' is not one of MO"],
    ['FREQ=WEEKLY;BYDAY=1FR', 'BYDAY', 'only allowed with FREQ=MONTHLY or YEARLY'],
    ['FREQ=MONTHLY;BYDAY=0FR', 'BYDAY', 'between 1 and 53'],
    ['FREQ=WEEKLY;WKST=XX', 'WKST', 'not one of'],
    ['FREQ=DAILY;BYWEEKNO=1', 'BYWEEKNO', 'only allowed with FREQ=YEARLY'],
    ['FREQ=MONTHLY;BYYEARDAY=1', 'BYYEARDAY', 'not allowed'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY', 'not allowed with FREQ=WEEKLY'],
    ['FREQ=DAILY;BYSETPOS=1', 'BYSETPOS', 'needs another BYxxx'],
    ['FREQ=DAILY;BYHOUR=1;BYHOUR=2', 'BYHOUR', 'given twice'],
    ['FREQ=DAILY;FOO=1', 'FOO', 'unknown part FOO'],
    ['FREQ=DAILY;BYEASTER=0', 'BYEASTER', 'unknown part'],
    ['DTSTART:20260101T000000Z;FREQ=DAILY', 'DTSTART', 'use the dtstart/timezone options'],
    ['FREQ=DAILY;TZID=Europe/Zurich', 'TZID', 'use the dtstart/timezone options'],
  ])('%s → %s', (rule, part, text) => {
    const error = rejection(rule);
    expect(error.code).toBe('INVALID_RRULE');
    expect(error.name).toBe('InvalidRRuleError');
    expect(error.part).toBe(part);
    expect(error.rule).toBe(rule);
    expect(error.message).toContain(`Invalid RRULE '${rule}'`);
    expect(error.message).toContain(text);
  });

  it.each(['', '  ', 'FREQ', 'FREQ=DAILY;;', 'hello world'])('rejects malformed text %j', (rule) => {
    rejection(rule);
  });

  it('rejects rules that can never fire, instead of looping forever', () => {
    // rrule itself spins forever on these: the hour never reaches 5 when stepping 24 h from 00:00.
    expect(rejection('FREQ=HOURLY;INTERVAL=24;BYHOUR=5').part).toBe('INTERVAL');
    expect(rejection('FREQ=MINUTELY;INTERVAL=60;BYMINUTE=30').part).toBe('INTERVAL');
    expect(rejection('FREQ=SECONDLY;INTERVAL=2;BYSECOND=1').part).toBe('INTERVAL');
    expect(rejection('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30').part).toBe('BYMONTHDAY');
    expect(rejection('FREQ=MONTHLY;INTERVAL=12;BYMONTH=3').part).toBe('BYMONTH');
    expect(rejection('FREQ=DAILY;INTERVAL=7;BYDAY=MO').part).toBe('INTERVAL'); // 1970-01-01 is a Thursday
    // Every 7 hours from a Wednesday 02:00 never lands on a Wednesday or Sunday at 08:00 or 12:00.
    const wednesday = { dtstart: '2026-02-04T02:00Z' };
    expect(rejection('FREQ=HOURLY;INTERVAL=7;BYDAY=WE,SU;BYHOUR=8,12', wednesday).part).toBe('INTERVAL');
    expect(rejection('FREQ=HOURLY;BYMINUTE=0;BYSETPOS=2').part).toBe('BYSETPOS');
    expect(rejection('FREQ=YEARLY;BYMONTH=1;BYYEARDAY=100').part).toBe('BYYEARDAY');
    expect(rejection('FREQ=MONTHLY;BYDAY=6FR').part).toBe('BYDAY');
  });

  it('accepts the same shapes when they can fire', () => {
    expect(
      () => new RRuleSchedule('FREQ=HOURLY;INTERVAL=24;BYHOUR=5', { dtstart: '1970-01-01T05:00Z' }),
    ).not.toThrow();
    expect(() => new RRuleSchedule('FREQ=HOURLY;INTERVAL=5;BYHOUR=3')).not.toThrow();
    expect(() => new RRuleSchedule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29')).not.toThrow();
    expect(() => new RRuleSchedule('FREQ=DAILY;INTERVAL=7;BYDAY=TH')).not.toThrow();
    expect(() => new RRuleSchedule('FREQ=MONTHLY;BYDAY=5FR')).not.toThrow();
  });

  it('rejects an unknown time zone', () => {
    expect(() => new RRuleSchedule('FREQ=DAILY', { timezone: 'Nowhere/Special' })).toThrow(
      InvalidTimeZoneError,
    );
  });
});
