// Daylight-saving transitions, 2026:
//   Europe/Zurich    spring 03-29 02:00 CET → 03:00 CEST (01:00Z); fall 10-25 03:00 CEST → 02:00 CET (01:00Z)
//   America/New_York spring 03-08 02:00 EST → 03:00 EDT (07:00Z); fall 11-01 02:00 EDT → 01:00 EST (06:00Z)
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../src/index.js';

const runs = (expression: string, timezone: string, after: string, count: number): string[] =>
  new CronSchedule(expression, { timezone })
    .preview(count, new Date(after))
    .map((d) => d.toISOString().replace(':00.000Z', 'Z'));

describe('CronSchedule across spring-forward (skipped wall times)', () => {
  it('runs a daily 02:30 Zurich job once, at 03:00 local, on the day 02:30 does not exist', () => {
    expect(runs('30 2 * * *', 'Europe/Zurich', '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30Z', // 02:30 CET
      '2026-03-29T01:00Z', // 03:00 CEST: the first valid instant after the skipped 02:30
      '2026-03-30T00:30Z', // 02:30 CEST
      '2026-03-31T00:30Z',
    ]);
  });

  it('runs a daily 02:30 New York job at 03:00 EDT on the transition day', () => {
    expect(runs('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00Z', // 03:00 EDT
      '2026-03-09T06:30Z',
      '2026-03-10T06:30Z',
    ]);
  });

  it('runs every skipped wall time of a job once in total, not once each', () => {
    // Every 15 minutes during the 2 o'clock hour: the whole hour is skipped on 03-29.
    expect(runs('*/15 2 * * *', 'Europe/Zurich', '2026-03-28T23:00:00Z', 2)).toEqual([
      '2026-03-29T01:00Z', // 03:00 CEST, once
      '2026-03-30T00:00Z', // 02:00 CEST next day
    ]);
  });

  it('runs an hourly job at each real hour, once', () => {
    expect(runs('0 * * * *', 'Europe/Zurich', '2026-03-28T23:30:00Z', 4)).toEqual([
      '2026-03-29T00:00Z', // 01:00 CET
      '2026-03-29T01:00Z', // 03:00 CEST (02:00 does not exist)
      '2026-03-29T02:00Z', // 04:00 CEST
      '2026-03-29T03:00Z',
    ]);
    expect(runs('0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', 4)).toEqual([
      '2026-03-08T06:00Z', // 01:00 EST
      '2026-03-08T07:00Z', // 03:00 EDT
      '2026-03-08T08:00Z',
      '2026-03-08T09:00Z',
    ]);
  });

  it('keeps sub-hourly jobs on their real cadence through the gap', () => {
    expect(runs('*/30 * * * *', 'Europe/Zurich', '2026-03-29T00:10:00Z', 4)).toEqual([
      '2026-03-29T00:30Z', // 01:30 CET
      '2026-03-29T01:00Z', // 03:00 CEST
      '2026-03-29T01:30Z',
      '2026-03-29T02:00Z',
    ]);
  });
});

describe('CronSchedule across fall-back (repeated wall times)', () => {
  it('runs a daily 02:30 Zurich job once, at the first 02:30', () => {
    expect(runs('30 2 * * *', 'Europe/Zurich', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30Z', // 02:30 CEST (the second 02:30 CET, 01:30Z, does not fire)
      '2026-10-26T01:30Z',
      '2026-10-27T01:30Z',
    ]);
  });

  it('runs a daily 01:30 New York job once, at the first 01:30', () => {
    expect(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30Z', // 01:30 EDT
      '2026-11-02T06:30Z', // 01:30 EST next day
    ]);
  });

  it('does not fire the repeated time when asked from inside the repeated hour', () => {
    // 01:10Z is 02:10 CET, the second pass: 02:30 already ran at 00:30Z.
    expect(runs('30 2 * * *', 'Europe/Zurich', '2026-10-25T01:10:00Z', 1)).toEqual(['2026-10-26T01:30Z']);
    // 06:10Z is 01:10 EST, the second pass in New York.
    expect(runs('30 1 * * *', 'America/New_York', '2026-11-01T06:10:00Z', 1)).toEqual(['2026-11-02T06:30Z']);
  });

  it('runs an hourly job at each real hour: once per instant, never twice, none skipped', () => {
    expect(runs('0 * * * *', 'Europe/Zurich', '2026-10-24T22:30:00Z', 5)).toEqual([
      '2026-10-24T23:00Z', // 01:00 CEST
      '2026-10-25T00:00Z', // 02:00 CEST
      '2026-10-25T01:00Z', // 02:00 CET (the repeated hour is a real hour)
      '2026-10-25T02:00Z', // 03:00 CET
      '2026-10-25T03:00Z',
    ]);
    expect(runs('0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 4)).toEqual([
      '2026-11-01T05:00Z', // 01:00 EDT
      '2026-11-01T06:00Z', // 01:00 EST
      '2026-11-01T07:00Z', // 02:00 EST
      '2026-11-01T08:00Z',
    ]);
  });

  it('runs the repeated wall times of a job restricted to that hour on the first pass only', () => {
    expect(runs('*/20 2 * * *', 'Europe/Zurich', '2026-10-24T23:30:00Z', 4)).toEqual([
      '2026-10-25T00:00Z', // 02:00 CEST
      '2026-10-25T00:20Z',
      '2026-10-25T00:40Z',
      '2026-10-26T01:00Z', // 02:00 CET next day
    ]);
  });
});

describe("cron-parser's own time-zone handling (why CronSchedule does its own)", () => {
  const native = (expression: string, tz: string, after: string): string =>
    CronExpressionParser.parse(expression, { tz, currentDate: new Date(after) })
      .next()
      .toDate()
      .toISOString();

  it('agrees with ours away from transitions', () => {
    for (const [expression, after] of [
      ['30 2 * * *', '2026-06-10T12:00:00Z'],
      ['0 6 * * 1-5', '2026-01-15T12:00:00Z'],
      ['*/7 * * * *', '2026-08-01T03:04:05Z'],
    ] as const) {
      const ours = new CronSchedule(expression, { timezone: 'Europe/Zurich' }).nextOccurrence(
        new Date(after),
      );
      expect(ours.toISOString()).toBe(native(expression, 'Europe/Zurich', after));
    }
  });

  it('deviates at spring-forward: it pushes a skipped 02:30 to 03:30, we run at 03:00', () => {
    expect(native('30 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:30:00.000Z');
    expect(runs('30 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T01:00Z']);
    expect(native('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z')).toBe('2026-03-08T07:30:00.000Z');
  });
});
