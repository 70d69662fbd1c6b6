// Next runs of cron and RRULE schedules across the 2026 daylight-saving changes:
// a job at a skipped wall time runs once at the first valid instant, a job at a repeated wall
// time runs once, and hourly jobs keep one run per real hour.
import { CronSchedule, RRuleSchedule, IntervalSeconds, scheduleFromData } from '@tasks/schedules';

const local = (date, timeZone) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    hourCycle: 'h23',
  }).format(date);

function show(title, schedule, after, count) {
  console.log(`\n${title}\n  ${schedule} — next ${count} after ${after}`);
  for (const run of schedule.preview(count, new Date(after))) {
    console.log(`  ${run.toISOString()}  =  ${local(run, schedule.timezone ?? 'UTC')}`);
  }
}

const zurich = { timezone: 'Europe/Zurich' };
const newYork = { timezone: 'America/New_York' };

show(
  'Spring forward in Zurich (29 March): 02:30 does not exist, the job runs at 03:00',
  new CronSchedule('30 2 * * *', zurich),
  '2026-03-27T12:00:00Z',
  4,
);
show(
  'Fall back in Zurich (25 October): 02:30 happens twice, the job runs once',
  new RRuleSchedule('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', zurich),
  '2026-10-24T12:00:00Z',
  3,
);
show(
  'Hourly through the New York fall-back (1 November): one run per real hour',
  new CronSchedule('0 * * * *', newYork),
  '2026-11-01T04:30:00Z',
  4,
);
show(
  'Last Friday of the month, in Zurich local time',
  new RRuleSchedule('FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18', zurich),
  '2026-03-11T12:00:00Z',
  3,
);
show(
  'Every other Monday at 09:00 New York time, counted from a fixed start',
  new RRuleSchedule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9', { ...newYork, dtstart: '2026-01-05T09:00' }),
  '2026-02-25T00:00:00Z',
  3,
);
show(
  'Every 90 minutes, on multiples of 90 minutes since the Unix epoch',
  new IntervalSeconds(5400),
  '2026-03-11T12:03:27Z',
  3,
);

// Schedules are plain data too, so a configuration file can override them.
const data = JSON.parse(JSON.stringify(new CronSchedule('0 6 * * 1-5', zurich)));
console.log('\nAs data:', JSON.stringify(data), '→', String(scheduleFromData(data)));
try {
  scheduleFromData({ kind: 'cron', expression: '0 25 * * *' }, 'tasks.Cleanup.schedule');
} catch (error) {
  console.log(`Bad data is rejected: ${error.message}`);
}
