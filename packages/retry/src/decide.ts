import { InvalidRetryPolicyResultError, TASKS_ERROR_BRAND } from './errors.js';
import type { NonRetryableError, RetryRequestedError } from './errors.js';
import { checkAttempt, dateAfter, nowArgument, type RetryPolicy } from './policy.js';

/**
 * What `decideRetry` decided. `reason` says why, for logs and the dead-letter record:
 * `'policy'` (the policy scheduled the retry), `'requested'` (a `RetryRequestedError`),
 * `'non-retryable'` (a `NonRetryableError`), `'retries-exhausted'` (the policy said no more —
 * `NoRetry` always does), `'requested-retries-exhausted'` (a `RetryRequestedError` past the cap
 * of requested retries, given in `cap`).
 */
export type RetryDecision =
  | { readonly retry: true; readonly retryAt: Date; readonly reason: 'policy' | 'requested' }
  | { readonly retry: false; readonly reason: 'non-retryable' | 'retries-exhausted' }
  | { readonly retry: false; readonly reason: 'requested-retries-exhausted'; readonly cap: number };

/**
 * How many retries a task may request with `RetryRequestedError` under a policy that declares
 * no `maxRetries` (such as `NoRetry`): 5. Requested retries count as attempts.
 */
export const DEFAULT_REQUESTED_RETRIES_CAP = 5;

const MAX_CAUSE_DEPTH = 8;

/**
 * Applies the retry-steering errors on top of a policy — the decision a worker makes after a
 * failed run. In order:
 * 1. a `NonRetryableError` — thrown, or anywhere in the error's `cause` chain — never retries;
 * 2. a `RetryRequestedError` (thrown or in the chain) retries even when the policy would not
 *    (also under `NoRetry`), after its `delayMs`, else after the policy's own delay for this
 *    attempt, else at once. It still counts as an attempt and is bounded: by the policy's
 *    `maxRetries`, or by {@link DEFAULT_REQUESTED_RETRIES_CAP} (5) for a policy that declares
 *    none (`NoRetry`). At `attempt >= cap` the answer is `'requested-retries-exhausted'`, so a
 *    task can never request retries forever.
 * 3. anything else is the policy's call; it receives the real error object.
 *
 * Errors are recognised by their `@tasks` brand and `code`, so copies from a duplicate install
 * of this package count too.
 *
 * @param attempt - 0-based index of the retry being decided (0 after the first failure).
 * @param now - The failure time. Default: now.
 * @throws InvalidRetryArgumentError for a bad `attempt` or `now`.
 * @throws InvalidRetryPolicyResultError when the policy returns neither a valid Date nor null.
 * @example
 * ```ts
 * const decision = decideRetry(task.retryPolicy, attempt, error);
 * if (decision.retry) reschedule(decision.retryAt);
 * else deadLetter(decision.reason);
 * ```
 */
export function decideRetry(policy: RetryPolicy, attempt: number, error: unknown, now?: Date): RetryDecision {
  checkAttempt(attempt);
  const at = new Date(nowArgument(now));
  if (findSteering(error, 'NON_RETRYABLE')) return { retry: false, reason: 'non-retryable' };
  const requested = findSteering(error, 'RETRY_REQUESTED') as RetryRequestedError | undefined;
  if (requested) {
    const cap = typeof policy.maxRetries === 'number' ? policy.maxRetries : DEFAULT_REQUESTED_RETRIES_CAP;
    if (attempt >= cap) return { retry: false, reason: 'requested-retries-exhausted', cap };
    const delayMs = validDelay(requested.delayMs);
    const retryAt =
      delayMs === undefined
        ? (scheduled(policy, attempt, error, at) ?? at)
        : dateAfter(at.getTime(), delayMs);
    return { retry: true, retryAt, reason: 'requested' };
  }
  const retryAt = scheduled(policy, attempt, error, at);
  return retryAt === null
    ? { retry: false, reason: 'retries-exhausted' }
    : { retry: true, retryAt, reason: 'policy' };
}

/**
 * True for a `NonRetryableError`, including one from another copy of this package.
 *
 * @example
 * ```ts
 * isNonRetryableError(new NonRetryableError('bad input')); // true
 * ```
 */
export function isNonRetryableError(error: unknown): error is NonRetryableError {
  return hasCode(error, 'NON_RETRYABLE');
}

/**
 * True for a `RetryRequestedError`, including one from another copy of this package.
 *
 * @example
 * ```ts
 * isRetryRequestedError(new RetryRequestedError({ delayMs: 1000 })); // true
 * ```
 */
export function isRetryRequestedError(error: unknown): error is RetryRequestedError {
  return hasCode(error, 'RETRY_REQUESTED');
}

function scheduled(policy: RetryPolicy, attempt: number, error: unknown, now: Date): Date | null {
  const result: unknown = policy.scheduleRetry(attempt, error, new Date(now.getTime()));
  if (result === null) return null;
  if (!(result instanceof Date) || Number.isNaN(result.getTime()))
    throw new InvalidRetryPolicyResultError(result);
  return result;
}

function findSteering(error: unknown, code: string): object | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if (hasCode(current, code)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function hasCode(error: unknown, code: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { code?: unknown; [TASKS_ERROR_BRAND]?: unknown };
  return record[TASKS_ERROR_BRAND] === true && record.code === code;
}

function validDelay(delayMs: unknown): number | undefined {
  return typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : undefined;
}
