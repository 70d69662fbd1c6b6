import { InvalidRetryArgumentError } from './errors.js';

/**
 * Decides whether, and when, a failed task runs again.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = new ExponentialBackoff({ baseDelaySeconds: 10, maxRetries: 5 });
 * policy.scheduleRetry(0, new Error('boom'), new Date('2026-03-11T12:00:00Z')); // 12:00:10
 * policy.scheduleRetry(5, new Error('boom')); // null: no sixth retry
 * ```
 */
export interface RetryPolicy {
  /**
   * When to run the task again, or `null` for never.
   *
   * @param attempt - 0-based index of the retry being decided: 0 after the first failure.
   * @param error - What the task threw, as thrown (not rebuilt from a string).
   * @param now - The failure time. Default: now.
   */
  scheduleRetry(attempt: number, error: unknown, now?: Date): Date | null;
  /**
   * The most retries this policy grants, when it has such a cap. `decideRetry` applies it to
   * retries requested with `RetryRequestedError` too. Leave it out when there is no cap.
   */
  readonly maxRetries?: number;
}

/**
 * Plain-data form of `NoRetry`.
 * @example
 * ```ts
 * const data: NoRetryData = { kind: 'none' };
 * ```
 */
export interface NoRetryData {
  readonly kind: 'none';
}

/**
 * How `ExponentialBackoff` spreads a delay d: not at all (`'none'`), uniformly over [0, d]
 * (`'full'`, AWS "full jitter"), or over [d/2, d] (`'equal'`).
 * @example
 * ```ts
 * new ExponentialBackoff({ jitter: 'full' satisfies Jitter });
 * ```
 */
export type Jitter = 'none' | 'full' | 'equal';

/**
 * Plain-data form of `ExponentialBackoff`; omitted fields take the defaults (10 s, 5 retries,
 * no cap, no jitter).
 * @example
 * ```ts
 * const data: ExponentialBackoffData = { kind: 'exponential', baseDelaySeconds: 5, maxRetries: 3, jitter: 'full' };
 * ```
 */
export interface ExponentialBackoffData {
  readonly kind: 'exponential';
  readonly baseDelaySeconds?: number;
  readonly maxRetries?: number;
  readonly maxDelaySeconds?: number;
  readonly jitter?: Jitter;
}

/**
 * Any built-in retry policy as plain JSON-compatible data: what `toJSON()` returns and
 * `retryPolicyFromData` reads.
 * @example
 * ```ts
 * const policy = retryPolicyFromData(config.tasks.SyncOwners.retry satisfies RetryPolicyData);
 * ```
 */
export type RetryPolicyData = NoRetryData | ExponentialBackoffData;

/**
 * Never retries: every failure is final. The default policy of a task.
 *
 * @example
 * ```ts
 * new NoRetry().scheduleRetry(0, new Error('boom')); // null
 * ```
 */
export class NoRetry implements RetryPolicy {
  /**
   * Always `null`.
   * @throws InvalidRetryArgumentError when `attempt` is not an integer ≥ 0.
   */
  scheduleRetry(attempt: number, _error?: unknown, _now?: Date): null {
    checkAttempt(attempt);
    return null;
  }

  /** `{ kind: 'none' }` — rebuild it with `retryPolicyFromData`. */
  toJSON(): NoRetryData {
    return { kind: 'none' };
  }

  /** `no retry`. */
  toString(): string {
    return 'no retry';
  }
}

/** Throws unless `attempt` is a non-negative integer. @internal */
export function checkAttempt(attempt: unknown): asserts attempt is number {
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 0) {
    throw new InvalidRetryArgumentError(
      'attempt',
      `expected an integer ≥ 0 (0 for the first retry), got ${String(attempt)}`,
    );
  }
}

/** Reads the `now` argument as epoch ms (default: now). @internal */
export function nowArgument(now: Date | undefined): number {
  if (now === undefined) return Date.now();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new InvalidRetryArgumentError('now', `expected a valid Date, got ${String(now)}`);
  }
  return now.getTime();
}

const LATEST_DATE_MS = 8.64e15;

/** `now + delayMs` as a Date, clamped to the latest representable instant. @internal */
export function dateAfter(now: number, delayMs: number): Date {
  return new Date(Math.min(now + Math.round(delayMs), LATEST_DATE_MS));
}
