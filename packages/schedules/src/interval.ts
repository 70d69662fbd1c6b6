import { InvalidIntervalError } from './errors.js';
import { collectOccurrences, instantArgument, type IntervalScheduleData, type Schedule } from './schedule.js';

const MAX_PERIOD_MS = 8.64e15;

/**
 * Fires every `seconds` seconds, on the multiples of `seconds` since the Unix epoch
 * (1970-01-01T00:00:00Z). Anchoring to a fixed origin (instead of "now + seconds", as the
 * original did) means run times never drift with execution latency or restarts, and every
 * replica computes the same slots. Time zones do not apply: the slots are real elapsed time.
 *
 * @example
 * ```ts
 * const hourly = new IntervalSeconds(3600);
 * hourly.nextOccurrence(new Date('2026-03-11T12:03:27Z')); // 2026-03-11T13:00:00.000Z
 * hourly.nextOccurrence(new Date('2026-03-11T13:00:00Z')); // 2026-03-11T14:00:00.000Z
 * ```
 */
export class IntervalSeconds implements Schedule {
  /** The period in seconds, as given. */
  readonly seconds: number;
  private readonly periodMs: number;

  /**
   * @param seconds - Period in seconds: positive, finite, a whole number of milliseconds
   * (`0.25` and `3600` are fine, `1e-4` is not).
   * @throws InvalidIntervalError when `seconds` is not such a number.
   */
  constructor(seconds: number) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
      throw new InvalidIntervalError(seconds, 'expected a finite number of seconds');
    }
    if (seconds <= 0) throw new InvalidIntervalError(seconds, 'the interval must be positive');
    const periodMs = Math.round(seconds * 1000);
    if (Math.abs(periodMs - seconds * 1000) > 1e-6 * Math.max(1, periodMs)) {
      throw new InvalidIntervalError(seconds, 'the interval must be a whole number of milliseconds');
    }
    if (periodMs > MAX_PERIOD_MS) throw new InvalidIntervalError(seconds, 'the interval is too large');
    this.seconds = seconds;
    this.periodMs = periodMs;
  }

  /**
   * The next multiple of `seconds` since the epoch strictly after `after` (default: now).
   * @throws InvalidScheduleArgumentError when `after` is not a valid `Date`.
   */
  nextOccurrence(after?: Date): Date {
    return new Date(this.next(instantArgument(after)));
  }

  /**
   * The next `count` slots strictly after `after` (default: now).
   * @throws InvalidScheduleArgumentError for a bad `count` or `after`.
   */
  preview(count: number, after?: Date): Date[] {
    return collectOccurrences(count, after, (t) => this.next(t));
  }

  /** `{ kind: 'interval', seconds }` — rebuild it with `scheduleFromData`. */
  toJSON(): IntervalScheduleData {
    return { kind: 'interval', seconds: this.seconds };
  }

  /** E.g. `every 3600 s`. */
  toString(): string {
    return `every ${this.seconds} s`;
  }

  private next(after: number): number {
    return (Math.floor(after / this.periodMs) + 1) * this.periodMs;
  }
}
