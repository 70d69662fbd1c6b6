// Same transitions as cron-dst.test.ts (2026): Zurich 03-29 / 10-25 at 01:00Z,
// New York 03-08 at 07:00Z and 11-01 at 06:00Z.
import { describe, expect, it } from 'vitest';
import { RRuleSchedule } from '../src/index.js';

const runs = (rule: string, timezone: string, after: string, count: number): string[] =>
  new RRuleSchedule(rule, { timezone })
    .preview(count, new Date(after))
    .map((d) => d.toISOString().replace(':00.000Z', 'Z'));

describe('RRuleSchedule across spring-forward', () => {
  it('runs a daily 02:30 job once at 03:00 local when 02:30 is skipped (Zurich)', () => {
    expect(runs('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Zurich', '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30Z',
      '2026-03-29T01:00Z', // 03:00 CEST
      '2026-03-30T00:30Z',
      '2026-03-31T00:30Z',
    ]);
  });

  it('runs a daily 02:30 job once at 03:00 local when 02:30 is skipped (New York)', () => {
    expect(runs('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00Z', // 03:00 EDT
      '2026-03-09T06:30Z',
      '2026-03-10T06:30Z',
    ]);
  });

  it('runs an hourly rule at each real hour', () => {
    expect(runs('FREQ=HOURLY', 'Europe/Zurich', '2026-03-28T23:30:00Z', 3)).toEqual([
      '2026-03-29T00:00Z',
      '2026-03-29T01:00Z',
      '2026-03-29T02:00Z',
    ]);
    expect(runs('FREQ=HOURLY', 'America/New_York', '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00Z',
      '2026-03-08T07:00Z',
      '2026-03-08T08:00Z',
    ]);
  });

  it('keeps a weekly Sunday 02:30 meeting on the transition Sunday, at 03:00', () => {
    expect(
      runs('FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30', 'Europe/Zurich', '2026-03-25T00:00:00Z', 2),
    ).toEqual(['2026-03-29T01:00Z', '2026-04-05T00:30Z']);
  });
});

describe('RRuleSchedule across fall-back', () => {
  it('runs a daily job in the repeated hour once, at its first instant (Zurich 02:30)', () => {
    expect(runs('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Zurich', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30Z', // 02:30 CEST; not 01:30Z (02:30 CET)
      '2026-10-26T01:30Z',
    ]);
    expect(runs('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'Europe/Zurich', '2026-10-25T01:10:00Z', 1)).toEqual([
      '2026-10-26T01:30Z',
    ]);
  });

  it('runs a daily job in the repeated hour once, at its first instant (New York 01:30)', () => {
    expect(runs('FREQ=DAILY;BYHOUR=1;BYMINUTE=30', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30Z', // 01:30 EDT
      '2026-11-02T06:30Z',
    ]);
  });

  it('runs an hourly rule at each real hour, never twice at one instant', () => {
    expect(runs('FREQ=HOURLY', 'Europe/Zurich', '2026-10-24T22:30:00Z', 5)).toEqual([
      '2026-10-24T23:00Z',
      '2026-10-25T00:00Z',
      '2026-10-25T01:00Z',
      '2026-10-25T02:00Z',
      '2026-10-25T03:00Z',
    ]);
    expect(runs('FREQ=MINUTELY;INTERVAL=30', 'America/New_York', '2026-11-01T05:10:00Z', 5)).toEqual([
      '2026-11-01T05:30Z', // 01:30 EDT
      '2026-11-01T06:00Z', // 01:00 EST
      '2026-11-01T06:30Z', // 01:30 EST
      '2026-11-01T07:00Z',
      '2026-11-01T07:30Z',
    ]);
  });

  it('treats a rule that skips hours (INTERVAL=2) like a fixed-time job: once per wall time', () => {
    // Even hours from 1970-01-01 00:00 Zurich time: 02:00 comes twice on 10-25, it runs once.
    expect(runs('FREQ=HOURLY;INTERVAL=2', 'Europe/Zurich', '2026-10-24T21:30:00Z', 3)).toEqual([
      '2026-10-24T22:00Z', // 00:00 CEST
      '2026-10-25T00:00Z', // 02:00 CEST
      '2026-10-25T03:00Z', // 04:00 CET
    ]);
  });
});
