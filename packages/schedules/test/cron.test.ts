import { describe, expect, it } from 'vitest';
import {
  CronSchedule,
  InvalidCronExpressionError,
  InvalidScheduleArgumentError,
  InvalidTimeZoneError,
} from '../src/index.js';

const next = (expression: string, after: string, timezone?: string): string =>
  new CronSchedule(expression, timezone === undefined ? {} : { timezone })
    .nextOccurrence(new Date(after))
    .toISOString();

describe('CronSchedule reference values (UTC, from the original)', () => {
  it.each([
    ['*/5 * * * *', '2026-03-11T12:03:27.123Z', '2026-03-11T12:05:00.000Z'],
    ['*/5 * * * *', '2026-03-11T12:05:00.000Z', '2026-03-11T12:10:00.000Z'],
    ['*/5 * * * *', '2026-03-11T12:05:00.500Z', '2026-03-11T12:10:00.000Z'],
    ['0 6 * * *', '2026-03-11T05:59:59.000Z', '2026-03-11T06:00:00.000Z'],
    ['0 6 * * *', '2026-03-11T06:00:00.000Z', '2026-03-12T06:00:00.000Z'],
    ['0 6 * * *', '2026-12-31T07:00:00.000Z', '2027-01-01T06:00:00.000Z'],
    ['0 * * * *', '2026-03-11T23:30:00.000Z', '2026-03-12T00:00:00.000Z'],
    ['0 0 * * 0', '2026-03-11T10:00:00.000Z', '2026-03-15T00:00:00.000Z'],
    ['0 */6 * * *', '2026-03-11T13:00:00.000Z', '2026-03-11T18:00:00.000Z'],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it('defaults to UTC and exposes the expression and zone', () => {
    const schedule = new CronSchedule('0 6 * * *');
    expect(schedule.expression).toBe('0 6 * * *');
    expect(schedule.timezone).toBe('UTC');
    expect(String(schedule)).toBe("cron '0 6 * * *' (UTC)");
  });

  it('accepts seconds, names, L, # and nicknames', () => {
    expect(next('30 0 6 * * *', '2026-03-11T06:00:00Z')).toBe('2026-03-11T06:00:30.000Z');
    expect(next('0 9 * * MON-FRI', '2026-03-13T10:00:00Z')).toBe('2026-03-16T09:00:00.000Z');
    expect(next('0 0 L * *', '2026-02-10T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(next('0 0 * * 5#2', '2026-03-01T00:00:00Z')).toBe('2026-03-13T00:00:00.000Z');
    expect(next('@daily', '2026-03-11T12:00:00Z')).toBe('2026-03-12T00:00:00.000Z');
  });

  it('fires on a day matching either day of month or day of week when both are restricted', () => {
    // 13th of the month OR a Friday: Friday 2026-03-06 comes before the 13th.
    expect(next('0 0 13 * 5', '2026-03-01T00:00:00Z')).toBe('2026-03-06T00:00:00.000Z');
  });

  it('is pure: the same input gives the same output, whatever was asked before', () => {
    const schedule = new CronSchedule('*/7 * * * *', { timezone: 'Europe/Zurich' });
    const after = new Date('2026-03-11T12:03:27Z');
    const first = schedule.nextOccurrence(after).getTime();
    schedule.preview(50, new Date('2030-01-01T00:00:00Z'));
    expect(schedule.nextOccurrence(after).getTime()).toBe(first);
    expect(
      new CronSchedule('*/7 * * * *', { timezone: 'Europe/Zurich' }).nextOccurrence(after).getTime(),
    ).toBe(first);
  });

  it('previews the next N runs in order', () => {
    const runs = new CronSchedule('0 */6 * * *').preview(4, new Date('2026-03-11T13:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2026-03-11T18:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
      '2026-03-12T06:00:00.000Z',
      '2026-03-12T12:00:00.000Z',
    ]);
    expect(new CronSchedule('0 * * * *').preview(0)).toEqual([]);
  });

  it('defaults `after` to now', () => {
    const before = Date.now();
    const run = new CronSchedule('* * * * * *').nextOccurrence().getTime();
    expect(run).toBeGreaterThan(before);
    expect(run).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('CronSchedule validation', () => {
  it.each([
    ['60 * * * *', 'minute', "'60'"],
    ['0 25 * * *', 'hour', "'25'"],
    ['0 0 32 * *', 'day of month', "'32'"],
    ['0 0 1 13 *', 'month', "'13'"],
    ['0 0 * * 8', 'day of week', "'8'"],
    ['61 0 0 * * *', 'second', "'61'"],
    ['H * * * *', 'minute', 'hashed values'],
    ['*/0 * * * *', 'minute', 'cannot repeat'],
  ])('%s names the %s field', (expression, field, text) => {
    const error = catchError(() => new CronSchedule(expression));
    expect(error).toBeInstanceOf(InvalidCronExpressionError);
    const cronError = error as InvalidCronExpressionError;
    expect(cronError.code).toBe('INVALID_CRON_EXPRESSION');
    expect(cronError.field).toBe(field);
    expect(cronError.expression).toBe(expression);
    expect(cronError.message).toContain(`${field} field`);
    expect(cronError.message).toContain(text);
  });

  it.each(['', '   ', 'foo', '* * * * * * *', '0 0 30 2 *'])('rejects %j', (expression) => {
    expect(() => new CronSchedule(expression)).toThrow(InvalidCronExpressionError);
  });

  it('rejects a non-string expression', () => {
    expect(() => new CronSchedule(42 as unknown as string)).toThrow(InvalidCronExpressionError);
  });

  it.each(['Mars/Olympus', 'Europe/Zurch', '', '+02:00', 7])('rejects the time zone %j', (timezone) => {
    const error = catchError(() => new CronSchedule('0 6 * * *', { timezone: timezone as string }));
    expect(error).toBeInstanceOf(InvalidTimeZoneError);
    expect((error as InvalidTimeZoneError).code).toBe('INVALID_TIME_ZONE');
    expect((error as Error).message).toContain(JSON.stringify(timezone));
  });

  it('canonicalises zone names', () => {
    expect(new CronSchedule('0 6 * * *', { timezone: 'utc' }).timezone).toBe('UTC');
    expect(new CronSchedule('0 6 * * *', { timezone: 'europe/zurich' }).timezone).toBe('Europe/Zurich');
  });

  it('rejects an invalid `after` and `count`', () => {
    const schedule = new CronSchedule('0 6 * * *');
    expect(() => schedule.nextOccurrence(new Date('nope'))).toThrow(InvalidScheduleArgumentError);
    expect(() => schedule.nextOccurrence('2026-01-01' as unknown as Date)).toThrow(/Invalid after/);
    expect(() => schedule.preview(-1)).toThrow(/Invalid count/);
    expect(() => schedule.preview(1.5)).toThrow(InvalidScheduleArgumentError);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
