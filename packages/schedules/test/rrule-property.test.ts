// Property tests of RRuleSchedule against rrule itself, run the slow way: rrule's own parser
// and defaults, iterating from DTSTART without any jump. For seeded random DAILY-and-coarser
// rules (INTERVAL > 1, BYxxx parts, BYSETPOS, WKST, COUNT, UNTIL) and random instants t, the
// jumped answer must be the first un-jumped occurrence after t. Sub-daily rules have their own
// iterator and their own tests (subdaily.test.ts).
import rrule from 'rrule';
import { describe, expect, it } from 'vitest';
import { InvalidRRuleError, RRuleSchedule } from '../src/index.js';
import { randomCase } from './random-rules.js';
import { bruteForceInstants, expectMatchesReference, probes, seeded } from './reference.js';

const { RRule } = rrule;
const DAY = 86_400_000;

describe('RRuleSchedule property: jumping never changes the answer (UTC)', { timeout: 180_000 }, () => {
  it('matches un-jumped rrule for 400 random rules', () => {
    const random = seeded(5545);
    let accepted = 0;
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const { text, dtstart, start, end } = randomCase(random, ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY']);
      let schedule: RRuleSchedule;
      try {
        schedule = new RRuleSchedule(text, { dtstart });
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRRuleError);
        continue;
      }
      accepted++;
      const slow = new RRule({ ...RRule.parseString(text), dtstart });
      const reference = slow
        .between(new Date(start), new Date(end), true)
        .map((d) => d.getTime())
        .sort((a, b) => a - b);
      const next = (t: number): number => schedule.nextOccurrence(new Date(t)).getTime();
      checked += expectMatchesReference(
        `${text} from ${dtstart.toISOString()}`,
        next,
        reference,
        probes(random, start, end, reference, 30),
      );
    }
    expect(accepted).toBeGreaterThan(300);
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('RRuleSchedule property: DST policy against a per-minute brute force', { timeout: 60_000 }, () => {
  // [rule, policy]: 'each' for rules that fire in every hour of the day.
  const RULES = [
    ['FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'first'],
    ['FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,45', 'first'],
    ['FREQ=HOURLY;INTERVAL=2', 'first'],
    ['FREQ=MINUTELY;INTERVAL=10;BYHOUR=2', 'first'],
    ['FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=1,2;BYMINUTE=15', 'first'],
    ['FREQ=HOURLY', 'each'],
    ['FREQ=MINUTELY;INTERVAL=20', 'each'],
    ['FREQ=HOURLY;BYMINUTE=5,35', 'each'],
  ] as const;
  const ZONES: Record<string, readonly string[]> = {
    'Europe/Zurich': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
    'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  };
  const random = seeded(2026);

  for (const [zone, centres] of Object.entries(ZONES)) {
    for (const [rule, repeated] of RULES) {
      it(`${rule} in ${zone}`, () => {
        const schedule = new RRuleSchedule(rule, { timezone: zone, dtstart: '2026-01-01T00:00' });
        const slow = new RRule({ ...RRule.parseString(rule), dtstart: new Date(Date.UTC(2026, 0, 1)) });
        for (const centre of centres) {
          const [start, end] = [Date.parse(centre) - 2 * DAY, Date.parse(centre) + 2 * DAY];
          const walls = new Set(
            slow.between(new Date(start - DAY), new Date(end + DAY), true).map((d) => d.getTime()),
          );
          const reference = bruteForceInstants(zone, start, end, 60_000, (w) => walls.has(w), repeated);
          const next = (t: number): number => schedule.nextOccurrence(new Date(t)).getTime();
          expect(
            expectMatchesReference(
              `${rule} ${zone}`,
              next,
              reference,
              probes(random, start, end, reference, 150),
            ),
          ).toBeGreaterThan(50);
        }
      });
    }
  }
});

describe('RRuleSchedule far from its anchor', () => {
  // Speed is measured by `bench/schedules.mjs` (~20 µs per call); here only the answers.
  it('answers FREQ=MINUTELY and FREQ=SECONDLY rules decades after their start, on the grid', () => {
    const minutely = new RRuleSchedule('FREQ=MINUTELY;INTERVAL=7');
    const after = new Date(Date.UTC(2026, 0, 1, 12, 3, 27));
    const next = minutely.nextOccurrence(after).getTime();
    expect(next).toBeGreaterThan(after.getTime());
    expect(next - after.getTime()).toBeLessThanOrEqual(7 * 60_000);
    expect(next % (7 * 60_000)).toBe(0); // INTERVAL counts from the 1970 anchor
    const secondly = new RRuleSchedule('FREQ=SECONDLY;INTERVAL=13;BYMINUTE=10,20', {
      timezone: 'Europe/Zurich',
    });
    const s = secondly.nextOccurrence(after);
    const zurichAnchor = Date.parse('1969-12-31T23:00:00Z'); // 1970-01-01T00:00 in Zurich
    expect(((s.getTime() - zurichAnchor) / 1000) % 13).toBe(0);
    expect([10, 20]).toContain(s.getUTCMinutes());
  });
});
