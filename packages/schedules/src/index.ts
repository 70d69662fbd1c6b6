export type {
  Schedule,
  ScheduleData,
  IntervalScheduleData,
  CronScheduleData,
  RRuleScheduleData,
} from './schedule.js';
export { previewOccurrences } from './schedule.js';
export { IntervalSeconds } from './interval.js';
export { CronSchedule, type CronScheduleOptions } from './cron.js';
export { RRuleSchedule, type RRuleScheduleOptions } from './rrule-schedule.js';
export { scheduleFromData, describeSchedule } from './data.js';
export {
  TASKS_ERROR_BRAND,
  TasksError,
  InvalidCronExpressionError,
  InvalidRRuleError,
  InvalidTimeZoneError,
  InvalidIntervalError,
  InvalidScheduleArgumentError,
  NoNextOccurrenceError,
  ScheduleDataError,
} from './errors.js';
