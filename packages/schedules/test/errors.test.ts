import { describe, expect, it } from 'vitest';
import {
  CronSchedule,
  InvalidCronExpressionError,
  InvalidIntervalError,
  InvalidRRuleError,
  InvalidScheduleArgumentError,
  InvalidTimeZoneError,
  NoNextOccurrenceError,
  previewOccurrences,
  ScheduleDataError,
  TASKS_ERROR_BRAND,
  TasksError,
  type Schedule,
} from '../src/index.js';

// The same check as isTasksError() in @tasks/redis, without depending on it.
const isTasksError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as Record<symbol, unknown>)[Symbol.for('@tasks/error')] === true;

describe('errors', () => {
  const cases: [TasksError, string, string][] = [
    [new InvalidCronExpressionError('x', 'bad'), 'INVALID_CRON_EXPRESSION', 'InvalidCronExpressionError'],
    [new InvalidRRuleError('x', 'bad'), 'INVALID_RRULE', 'InvalidRRuleError'],
    [new InvalidTimeZoneError('x'), 'INVALID_TIME_ZONE', 'InvalidTimeZoneError'],
    [new InvalidIntervalError(0, 'bad'), 'INVALID_INTERVAL', 'InvalidIntervalError'],
    [
      new InvalidScheduleArgumentError('after', 'bad'),
      'INVALID_SCHEDULE_ARGUMENT',
      'InvalidScheduleArgumentError',
    ],
    [new NoNextOccurrenceError('x', new Date(0)), 'NO_NEXT_OCCURRENCE', 'NoNextOccurrenceError'],
    [new ScheduleDataError('schedule', 'bad'), 'INVALID_SCHEDULE_DATA', 'ScheduleDataError'],
  ];

  it.each(cases)('%s has a stable code, a name and the shared @tasks brand', (error, code, name) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(TasksError);
    expect(error).toBeInstanceOf(Error);
    expect(isTasksError(error)).toBe(true);
    expect(error[TASKS_ERROR_BRAND]).toBe(true);
    expect(TASKS_ERROR_BRAND).toBe(Symbol.for('@tasks/error'));
  });

  it('are what the schedules throw', () => {
    try {
      new CronSchedule('0 0 * * *', { timezone: 'Nope/Nope' });
    } catch (error) {
      expect(isTasksError(error)).toBe(true);
    }
  });
});

describe('previewOccurrences (for your own schedules)', () => {
  it('collects until the schedule ends, and rethrows other errors', () => {
    let calls = 0;
    const ending: Schedule = {
      nextOccurrence: (after = new Date()) => {
        if (++calls > 2) throw new NoNextOccurrenceError('test', after);
        return new Date(after.getTime() + 1000);
      },
      preview: (count, after) => previewOccurrences(ending, count, after),
    };
    expect(ending.preview(5, new Date(0)).map((d) => d.getTime())).toEqual([1000, 2000]);
    const broken: Schedule = {
      nextOccurrence: () => {
        throw new Error('boom');
      },
      preview: (count, after) => previewOccurrences(broken, count, after),
    };
    expect(() => broken.preview(1)).toThrow('boom');
  });
});
