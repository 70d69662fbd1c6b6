// The per-entry rules of a scheduler tick, as a pure function (no Redis).
import { IntervalSeconds, RRuleSchedule, type Schedule } from '@tasks/schedules';
import { describe, expect, it } from 'vitest';
import { identify, type DesiredEntry } from '../src/scheduler-entries.js';
import { planEntry, type MisfirePolicy } from '../src/scheduler-plan.js';
import { PeriodicBaseTask, type TaskClass } from '../src/index.js';
import type { TimetableEntry } from '../src/timetable.js';

class Job extends PeriodicBaseTask {
  async execute(): Promise<void> {}
}

const T0 = Date.parse('2026-03-02T06:00:00Z');

function desired(schedule: Schedule, enabled = true): DesiredEntry {
  return {
    field: 'Job|',
    cls: Job as unknown as TaskClass,
    task: 'Job',
    vo: null,
    enabled,
    schedule,
    ...identify(schedule),
  };
}

/** Runs ticks at the given times, feeding each plan's record to the next; returns what ran. */
function simulate(
  entry: (now: number) => DesiredEntry,
  times: readonly number[],
  misfire: MisfirePolicy = 'coalesce',
): { runs: number[]; last: TimetableEntry | null; changes: string[] } {
  let stored: TimetableEntry | null = null;
  const runs: number[] = [];
  const changes: string[] = [];
  for (const now of times) {
    const plan = planEntry(stored, entry(now), now, misfire);
    runs.push(...plan.run);
    changes.push(...plan.changes);
    stored = plan.state ?? stored;
  }
  return { runs, last: stored, changes };
}

const every = (ms: number, from: number, to: number): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to; t += ms) out.push(t);
  return out;
};

describe('planEntry', () => {
  it('runs every occurrence of a COUNT rule, the last one included, then marks it ended', () => {
    const rule = new RRuleSchedule('FREQ=SECONDLY;COUNT=3', { dtstart: new Date(T0 + 1_000) });
    const { runs, last, changes } = simulate(() => desired(rule), every(250, T0, T0 + 6_000));
    expect(runs).toEqual([T0 + 1_000, T0 + 2_000, T0 + 3_000]);
    expect(last?.status).toBe('ended');
    expect(last?.next).toBeNull();
    expect(changes).toEqual(['new', 'ended']);
  });

  it('marks an entry whose schedule already ended as ended at once, without running it', () => {
    const rule = new RRuleSchedule('FREQ=DAILY;COUNT=5', { dtstart: new Date(T0 - 30 * 86_400_000) });
    const { runs, last } = simulate(() => desired(rule), [T0, T0 + 1_000]);
    expect(runs).toEqual([]);
    expect(last?.status).toBe('ended');
  });

  it('first runs at the first occurrence after it is seen, then on every occurrence', () => {
    const { runs } = simulate(() => desired(new IntervalSeconds(1)), every(100, T0 + 50, T0 + 3_050));
    expect(runs).toEqual([T0 + 1_000, T0 + 2_000, T0 + 3_000]);
  });

  it.each([
    ['coalesce', [T0 + 5_000]],
    ['all', [T0 + 1_000, T0 + 2_000, T0 + 3_000, T0 + 4_000, T0 + 5_000]],
    ['skip', []],
  ] as const)('applies misfire %s to occurrences missed while down', (misfire, expected) => {
    const { runs, last } = simulate(() => desired(new IntervalSeconds(1)), [T0 + 50, T0 + 5_500], misfire);
    expect(runs).toEqual(expected);
    expect(last?.next).toBe(T0 + 6_000);
  });

  it('starts a changed schedule afresh from the tick that sees it, dropping the old pending run', () => {
    const daily = new IntervalSeconds(86_400);
    const second = new IntervalSeconds(1);
    const { runs, last, changes } = simulate(
      (now) => desired(now < T0 + 10_000 ? daily : second),
      [T0 + 50, T0 + 10_400, T0 + 11_000, T0 + 12_000],
    );
    expect(runs).toEqual([T0 + 11_000, T0 + 12_000]);
    expect(changes).toEqual(['new', 'schedule changed']);
    expect(last?.since).toBe(T0 + 10_400);
  });

  it('records a disabled entry and restarts it from now when enabled again', () => {
    const interval = new IntervalSeconds(1);
    const { runs, last, changes } = simulate(
      (now) => desired(interval, now < T0 + 2_500 || now > T0 + 5_500),
      every(500, T0 + 500, T0 + 7_000),
    );
    expect(runs).toEqual([T0 + 1_000, T0 + 2_000, T0 + 7_000]);
    expect(changes).toEqual(['new', 'disabled', 'enabled']);
    expect(last?.status).toBe('active');
  });

  it('marks a failing schedule once, keeps its due run, and recovers', () => {
    let broken = false;
    const flaky: Schedule & { toString(): string } = {
      nextOccurrence: (after = new Date()) => {
        if (broken) throw new Error('the calendar service is down');
        return new IntervalSeconds(1).nextOccurrence(after);
      },
      preview: () => [],
      toString: () => 'flaky',
    };
    const d = desired(flaky);
    let stored = planEntry(null, d, T0 + 100, 'all').state;
    broken = true;
    const first = planEntry(stored, d, T0 + 1_100, 'all');
    expect(first.changes).toEqual(['failing']);
    expect(first.run).toEqual([]);
    expect(first.state?.next).toBe(T0 + 1_000);
    expect(first.state?.error).toBe('the calendar service is down');
    stored = first.state;
    expect(planEntry(stored, d, T0 + 1_600, 'all')).toEqual({ state: null, run: [], changes: [] });
    broken = false;
    const back = planEntry(stored, d, T0 + 2_100, 'all');
    expect(back.run).toEqual([T0 + 1_000, T0 + 2_000]);
    expect(back.changes).toEqual(['recovered']);
    expect(back.state?.status).toBe('active');
  });

  it('treats a schedule that does not move forward as failing instead of looping', () => {
    const stuck = { nextOccurrence: () => new Date(T0), preview: () => [] };
    const plan = planEntry(null, desired(stuck), T0 + 100, 'all');
    expect(plan.state?.status).toBe('failing');
    expect(plan.state?.error).toMatch(/returned .*not a later time/);
  });

  it('fingerprints schedules by their data: equal data, equal fingerprint', () => {
    expect(identify(new IntervalSeconds(60)).fingerprint).toBe(identify(new IntervalSeconds(60)).fingerprint);
    expect(identify(new IntervalSeconds(60)).fingerprint).not.toBe(
      identify(new IntervalSeconds(61)).fingerprint,
    );
    expect(identify(new IntervalSeconds(60)).description).toBe('every 60 s');
  });
});
