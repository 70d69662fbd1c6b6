// How long nextOccurrence takes, far from a schedule's anchor (no Redis involved).
// `node bench/schedules.mjs` after a build; prints µs per call for a few rules.
import { CronSchedule, IntervalSeconds, RRuleSchedule } from '@tasks/schedules';

const cases = [
  ['IntervalSeconds(3600)', new IntervalSeconds(3600)],
  ["cron '*/5 * * * *'", new CronSchedule('*/5 * * * *')],
  ["cron '30 2 * * *' Europe/Zurich", new CronSchedule('30 2 * * *', { timezone: 'Europe/Zurich' })],
  ['RRULE FREQ=MINUTELY;INTERVAL=7', new RRuleSchedule('FREQ=MINUTELY;INTERVAL=7')],
  [
    'RRULE FREQ=SECONDLY;INTERVAL=13;BYMINUTE=10,20 Zurich',
    new RRuleSchedule('FREQ=SECONDLY;INTERVAL=13;BYMINUTE=10,20', { timezone: 'Europe/Zurich' }),
  ],
  ['RRULE FREQ=MONTHLY;BYDAY=-1FR', new RRuleSchedule('FREQ=MONTHLY;BYDAY=-1FR')],
];
const N = Number(process.env.N ?? 3000);
console.log('schedule'.padEnd(58), 'µs per nextOccurrence');
for (const [name, schedule] of cases) {
  for (let i = 0; i < 200; i++) schedule.nextOccurrence(new Date(Date.UTC(2026, 0, 1) + i * 7_777_777)); // warm-up
  const started = performance.now();
  for (let i = 0; i < N; i++) schedule.nextOccurrence(new Date(Date.UTC(2026, 0, 1) + i * 7_777_777));
  console.log(name.padEnd(58), (((performance.now() - started) * 1000) / N).toFixed(1));
}
