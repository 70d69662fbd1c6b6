// Property: for many seeded random instants t, nextOccurrence(t) > t and nothing fires strictly
// between t and nextOccurrence(t) — checked against a per-minute brute force over real instants
// (test/reference.ts) around every 2026 transition of zones with 1 h, 30 min and 2 h changes.
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../src/index.js';
import { bruteForceInstants, expectMatchesReference, probes, seeded } from './reference.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

// [expression, DST policy it must follow]: 'each' when the hour field is '*'.
const EXPRESSIONS = [
  ['*/5 * * * *', 'each'],
  ['0 * * * *', 'each'],
  ['0,30 * * * *', 'each'],
  ['30 2 * * *', 'first'],
  ['15 1 * * *', 'first'],
  ['0 2,3 * * *', 'first'],
  ['*/20 2 * * *', 'first'],
  ['0 */6 * * *', 'first'],
  ['45 1 * * 0', 'first'],
] as const;

// Transition instants (UTC) in 2026, plus one quiet window per zone.
const WINDOWS: Record<string, readonly string[]> = {
  'Europe/Zurich': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-07-01T00:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'Antarctica/Troll': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  UTC: ['2026-03-11T12:00:00Z'],
};

describe('CronSchedule property: the next run is the first real run after t', { timeout: 60_000 }, () => {
  const random = seeded(20260311);
  for (const [zone, centres] of Object.entries(WINDOWS)) {
    for (const [expression, repeated] of EXPRESSIONS) {
      it(`${expression} in ${zone}`, () => {
        const matcher = CronExpressionParser.parse(expression, { tz: 'UTC' });
        const matches = (wall: number): boolean => matcher.includesDate(new Date(wall));
        const schedule = new CronSchedule(expression, { timezone: zone });
        let checked = 0;
        for (const centre of centres) {
          const start = Date.parse(centre) - 2 * DAY;
          // A weekly expression may have no run in 4 days: give it a longer window.
          const end = Date.parse(centre) + (expression.endsWith('0') ? 8 : 2) * DAY;
          const reference = bruteForceInstants(zone, start, end, MINUTE, matches, repeated);
          const points = probes(random, start, end, reference, 150);
          checked += expectMatchesReference(
            `${expression} ${zone}`,
            (t) => schedule.nextOccurrence(new Date(t)).getTime(),
            reference,
            points,
          );
        }
        expect(checked).toBeGreaterThan(50 * centres.length);
      });
    }
  }
});
