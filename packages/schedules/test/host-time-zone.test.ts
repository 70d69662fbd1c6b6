// Nothing may depend on the host's time zone: the same inputs give the same instants whatever
// TZ the process runs in. Node applies a change of process.env.TZ at once, so the same
// schedules are built and evaluated under several host zones and compared with a UTC host.
import { afterAll, describe, expect, it } from 'vitest';
import { CronSchedule, IntervalSeconds, RRuleSchedule, type Schedule } from '../src/index.js';

const saved = process.env.TZ;
afterAll(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

const HOSTS: Record<string, number> = {
  'America/New_York': 300,
  'Asia/Kolkata': -330,
  'Pacific/Chatham': -825,
  'Europe/Zurich': -60,
};

const build = (): Schedule[] => [
  new IntervalSeconds(3600),
  new CronSchedule('*/5 * * * *'),
  new CronSchedule('0 6 * * *'),
  new CronSchedule('30 2 * * *', { timezone: 'Europe/Zurich' }),
  new CronSchedule('30 1 * * *', { timezone: 'America/New_York' }),
  new CronSchedule('0 * * * *', { timezone: 'America/New_York' }),
  new RRuleSchedule('FREQ=MONTHLY;BYDAY=-1FR'),
  new RRuleSchedule('FREQ=WEEKLY;BYDAY=FR'),
  new RRuleSchedule('FREQ=HOURLY;INTERVAL=2'),
  new RRuleSchedule('FREQ=MINUTELY;INTERVAL=15'),
  new RRuleSchedule('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', { timezone: 'Europe/Zurich' }),
  new RRuleSchedule('FREQ=HOURLY', { timezone: 'America/New_York' }),
  new RRuleSchedule('FREQ=WEEKLY;INTERVAL=2;BYDAY=SU', {
    dtstart: '2026-01-04T02:30',
    timezone: 'Europe/Zurich',
  }),
  new RRuleSchedule('FREQ=DAILY;COUNT=400', { dtstart: '2026-01-01T00:15', timezone: 'America/New_York' }),
];

const AFTERS = [
  '2026-03-11T12:03:27Z',
  '2026-03-07T12:00:00Z',
  '2026-03-28T12:00:00Z',
  '2026-10-24T12:00:00Z',
  '2026-10-31T12:00:00Z',
];

function evaluate(): string[][] {
  return build().flatMap((schedule) =>
    AFTERS.map((after) => schedule.preview(30, new Date(after)).map((d) => d.toISOString())),
  );
}

describe('results do not depend on the host time zone', { timeout: 60_000 }, () => {
  process.env.TZ = 'UTC';
  const onUtcHost = evaluate();

  it('the UTC baseline holds the reference values', () => {
    const [, cron5] = build();
    expect(cron5?.nextOccurrence(new Date('2026-03-11T12:03:27.123Z')).toISOString()).toBe(
      '2026-03-11T12:05:00.000Z',
    );
    expect(onUtcHost.flat().length).toBeGreaterThan(1500);
  });

  for (const [zone, offsetMinutes] of Object.entries(HOSTS)) {
    it(`gives the same instants with TZ=${zone}`, () => {
      process.env.TZ = zone;
      expect(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset()).toBe(offsetMinutes);
      expect(evaluate()).toEqual(onUtcHost);
    });
  }
});
