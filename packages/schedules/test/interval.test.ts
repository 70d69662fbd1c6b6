import { describe, expect, it } from 'vitest';
import { IntervalSeconds, InvalidIntervalError } from '../src/index.js';

const next = (seconds: number, after: string): string =>
  new IntervalSeconds(seconds).nextOccurrence(new Date(after)).toISOString();

describe('IntervalSeconds', () => {
  it('fires on multiples of the interval since the Unix epoch', () => {
    expect(next(3600, '2026-03-11T12:03:27Z')).toBe('2026-03-11T13:00:00.000Z');
    expect(next(3600, '2026-03-11T13:00:00Z')).toBe('2026-03-11T14:00:00.000Z');
    expect(next(3600, '2026-03-11T12:59:59.999Z')).toBe('2026-03-11T13:00:00.000Z');
    expect(next(7, '1970-01-01T00:00:00Z')).toBe('1970-01-01T00:00:07.000Z');
    expect(next(0.25, '2026-03-11T12:00:00.100Z')).toBe('2026-03-11T12:00:00.250Z');
    expect(next(86_400, '2026-03-11T12:00:00Z')).toBe('2026-03-12T00:00:00.000Z');
  });

  it('does not drift: slots are the same whenever and wherever they are computed', () => {
    const schedule = new IntervalSeconds(90);
    const slots = schedule.preview(5, new Date('2026-03-11T12:00:10Z')).map((d) => d.getTime());
    for (const slot of slots) expect(slot % 90_000).toBe(0);
    expect(slots[1]! - slots[0]!).toBe(90_000);
    expect(
      new IntervalSeconds(90).preview(5, new Date('2026-03-11T12:00:10Z')).map((d) => d.getTime()),
    ).toEqual(slots);
  });

  it('exposes seconds and describes itself', () => {
    const schedule = new IntervalSeconds(3600);
    expect(schedule.seconds).toBe(3600);
    expect(schedule.toJSON()).toEqual({ kind: 'interval', seconds: 3600 });
    expect(String(schedule)).toBe('every 3600 s');
  });

  it.each([
    [0, 'must be positive'],
    [-5, 'must be positive'],
    [Number.NaN, 'finite'],
    [Number.POSITIVE_INFINITY, 'finite'],
    [1e-4, 'whole number of milliseconds'],
    [1e14, 'too large'],
    ['60' as unknown as number, 'finite number'],
  ])('rejects %s', (seconds, text) => {
    let error: unknown;
    try {
      new IntervalSeconds(seconds);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidIntervalError);
    expect((error as InvalidIntervalError).code).toBe('INVALID_INTERVAL');
    expect((error as Error).message).toContain(text);
  });
});
