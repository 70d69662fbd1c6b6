import { describe, expect, it } from 'vitest';
import {
  CronSchedule,
  describeSchedule,
  IntervalSeconds,
  InvalidCronExpressionError,
  RRuleSchedule,
  ScheduleDataError,
  scheduleFromData,
  type Schedule,
} from '../src/index.js';

const AFTER = new Date('2026-03-11T12:03:27Z');
const roundTrip = (schedule: Schedule): Schedule =>
  scheduleFromData(JSON.parse(JSON.stringify(describeSchedule(schedule))) as unknown);

function dataError(data: unknown, path?: string): ScheduleDataError {
  try {
    scheduleFromData(data, path);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleDataError);
    return error as ScheduleDataError;
  }
  throw new Error('expected a ScheduleDataError');
}

describe('schedules as plain data', () => {
  it.each([
    new IntervalSeconds(3600),
    new CronSchedule('0 6 * * *', { timezone: 'Europe/Zurich' }),
    new CronSchedule('*/5 * * * *'),
    new RRuleSchedule('FREQ=MONTHLY;BYDAY=-1FR'),
    new RRuleSchedule('FREQ=WEEKLY;INTERVAL=2', {
      dtstart: new Date('2026-01-07T09:30:00Z'),
      timezone: 'America/New_York',
    }),
  ])('%s survives JSON and rebuilds to the same schedule', (schedule) => {
    const rebuilt = roundTrip(schedule);
    expect(rebuilt.constructor).toBe(schedule.constructor);
    expect(describeSchedule(rebuilt)).toEqual(describeSchedule(schedule));
    expect(rebuilt.preview(20, AFTER)).toEqual(schedule.preview(20, AFTER));
  });

  it('describes each kind with the documented shape', () => {
    expect(describeSchedule(new IntervalSeconds(60))).toEqual({ kind: 'interval', seconds: 60 });
    expect(describeSchedule(new CronSchedule('0 6 * * *'))).toEqual({
      kind: 'cron',
      expression: '0 6 * * *',
      timezone: 'UTC',
    });
    expect(describeSchedule(new RRuleSchedule('FREQ=DAILY', { dtstart: '2026-01-05T09:00Z' }))).toEqual({
      kind: 'rrule',
      rule: 'FREQ=DAILY',
      dtstart: '2026-01-05T09:00:00.000Z',
      timezone: 'UTC',
    });
  });

  it('defaults the time zone to UTC and accepts a wall-time dtstart', () => {
    const cron = scheduleFromData({ kind: 'cron', expression: '0 6 * * *' }) as CronSchedule;
    expect(cron.timezone).toBe('UTC');
    const rule = scheduleFromData({
      kind: 'rrule',
      rule: 'FREQ=DAILY',
      dtstart: '2026-01-05T09:00',
      timezone: 'Europe/Zurich',
    });
    expect(rule.nextOccurrence(AFTER).toISOString()).toBe('2026-03-12T08:00:00.000Z');
  });

  it.each([
    [null, 'schedule', 'expected an object'],
    [[], 'schedule', 'an array'],
    ['0 6 * * *', 'schedule', 'expected an object'],
    [{}, 'schedule.kind', "expected 'interval', 'cron' or 'rrule'"],
    [{ kind: 'weekly' }, 'schedule.kind', '"weekly"'],
    [{ kind: 'interval' }, 'schedule.seconds', 'expected a number, got nothing'],
    [{ kind: 'interval', seconds: '60' }, 'schedule.seconds', 'expected a number'],
    [{ kind: 'interval', seconds: 0 }, 'schedule.seconds', 'must be positive'],
    [{ kind: 'interval', seconds: 60, timezone: 'UTC' }, 'schedule.timezone', 'unknown field'],
    [{ kind: 'cron', expression: '99 * * * *' }, 'schedule.expression', 'minute field'],
    [{ kind: 'cron', expression: 5 }, 'schedule.expression', 'expected a string'],
    [
      { kind: 'cron', expression: '0 6 * * *', timezone: 'Mars/Base' },
      'schedule.timezone',
      'Unknown time zone',
    ],
    [{ kind: 'cron', expression: '0 6 * * *', timezone: 2 }, 'schedule.timezone', 'expected a string'],
    [{ kind: 'cron', expresion: '0 6 * * *' }, 'schedule.expresion', 'unknown field'],
    [{ kind: 'rrule', rule: 'FREQ=DAILY;BYHOUR=24' }, 'schedule.rule', 'BYHOUR'],
    [{ kind: 'rrule', rule: 'FREQ=DAILY', dtstart: 'soon' }, 'schedule.dtstart', 'Invalid dtstart'],
    [{ kind: 'rrule', rule: 'FREQ=DAILY;COUNT=5' }, 'schedule.dtstart', 'needs a dtstart'],
  ])('rejects %j at %s', (data, path, text) => {
    const error = dataError(data);
    expect(error.code).toBe('INVALID_SCHEDULE_DATA');
    expect(error.path).toBe(path);
    expect(error.message).toContain(`Invalid schedule data at ${path}`);
    expect(error.message).toContain(text);
  });

  it('prefixes paths for configuration files and keeps the cause', () => {
    const error = dataError({ kind: 'cron', expression: '0 25 * * *' }, 'tasks.Cleanup.schedule');
    expect(error.path).toBe('tasks.Cleanup.schedule.expression');
    expect(error.cause).toBeInstanceOf(InvalidCronExpressionError);
  });

  it('refuses to describe a schedule that cannot be data', () => {
    const custom: Schedule = { nextOccurrence: () => new Date(0), preview: () => [] };
    expect(() => describeSchedule(custom)).toThrow(ScheduleDataError);
    const lying = { ...custom, toJSON: () => ({ kind: 'cron', expression: 'nope' }) };
    expect(() => describeSchedule(lying)).toThrow(/schedule.expression/);
  });
});
