import { describe, expect, it } from 'vitest';
import {
  decideRetry,
  DEFAULT_REQUESTED_RETRIES_CAP,
  ExponentialBackoff,
  InvalidRetryArgumentError,
  InvalidRetryPolicyResultError,
  isNonRetryableError,
  isRetryRequestedError,
  NonRetryableError,
  NoRetry,
  RetryRequestedError,
  type RetryPolicy,
} from '../src/index.js';

const NOW = new Date('2026-03-11T12:00:00Z');
const at = (secondsLater: number): Date => new Date(NOW.getTime() + secondsLater * 1000);
const backoff = new ExponentialBackoff({ baseDelaySeconds: 10, maxRetries: 3 });

// A copy of the error as a duplicate install of @tasks/retry would create it: same brand and code.
const foreign = (code: string, extra: object = {}): Error =>
  Object.assign(new Error('from another copy'), { code, [Symbol.for('@tasks/error')]: true }, extra);

describe('decideRetry', () => {
  it('follows the policy for ordinary errors, passing the real error object', () => {
    const seen: unknown[] = [];
    const spy: RetryPolicy = {
      scheduleRetry: (attempt, error, now) => {
        seen.push(error);
        return attempt < 1 ? new Date((now ?? NOW).getTime() + 1000) : null;
      },
    };
    const error = new TypeError('boom');
    expect(decideRetry(spy, 0, error, NOW)).toEqual({ retry: true, retryAt: at(1), reason: 'policy' });
    expect(decideRetry(spy, 1, error, NOW)).toEqual({ retry: false, reason: 'retries-exhausted' });
    expect(seen).toEqual([error, error]);
    expect(decideRetry(backoff, 2, new Error('x'), NOW)).toEqual({
      retry: true,
      retryAt: at(40),
      reason: 'policy',
    });
    expect(decideRetry(new NoRetry(), 0, new Error('x'), NOW)).toEqual({
      retry: false,
      reason: 'retries-exhausted',
    });
  });

  it('never retries a NonRetryableError, whatever the policy', () => {
    const always: RetryPolicy = { scheduleRetry: () => NOW };
    for (const policy of [backoff, new NoRetry(), always]) {
      expect(decideRetry(policy, 0, new NonRetryableError('bad input'), NOW)).toEqual({
        retry: false,
        reason: 'non-retryable',
      });
    }
  });

  it('finds steering errors in the cause chain, NonRetryableError first', () => {
    const wrapped = new Error('outer', {
      cause: new Error('middle', { cause: new NonRetryableError('root') }),
    });
    expect(decideRetry(backoff, 0, wrapped, NOW).reason).toBe('non-retryable');
    const both = new RetryRequestedError('retry', { cause: new NonRetryableError('no') });
    expect(decideRetry(backoff, 0, both, NOW).reason).toBe('non-retryable');
    const requested = new Error('outer', { cause: new RetryRequestedError({ delayMs: 500 }) });
    expect(decideRetry(new NoRetry(), 0, requested, NOW)).toEqual({
      retry: true,
      retryAt: new Date(NOW.getTime() + 500),
      reason: 'requested',
    });
  });

  it('retries a RetryRequestedError even under NoRetry, after its delay, else at once', () => {
    expect(decideRetry(new NoRetry(), 4, new RetryRequestedError({ delayMs: 2500 }), NOW)).toEqual({
      retry: true,
      retryAt: new Date(NOW.getTime() + 2500),
      reason: 'requested',
    });
    expect(decideRetry(new NoRetry(), 0, new RetryRequestedError('again'), NOW)).toEqual({
      retry: true,
      retryAt: NOW,
      reason: 'requested',
    });
  });

  it('caps requested retries at 5 under a policy that declares no maxRetries (NoRetry)', () => {
    const requested = new RetryRequestedError({ delayMs: 10 });
    for (let attempt = 0; attempt < DEFAULT_REQUESTED_RETRIES_CAP; attempt++)
      expect(decideRetry(new NoRetry(), attempt, requested, NOW).retry).toBe(true);
    expect(decideRetry(new NoRetry(), DEFAULT_REQUESTED_RETRIES_CAP, requested, NOW)).toEqual({
      retry: false,
      reason: 'requested-retries-exhausted',
      cap: 5,
    });
    const custom: RetryPolicy = { scheduleRetry: () => null };
    expect(decideRetry(custom, 5, requested, NOW).reason).toBe('requested-retries-exhausted');
  });

  it("uses the policy's delay for a RetryRequestedError without one", () => {
    expect(decideRetry(backoff, 1, new RetryRequestedError(), NOW)).toEqual({
      retry: true,
      retryAt: at(20),
      reason: 'requested',
    });
  });

  it("still respects the policy's maxRetries for requested retries", () => {
    expect(decideRetry(backoff, 2, new RetryRequestedError({ delayMs: 1 }), NOW).retry).toBe(true);
    expect(decideRetry(backoff, 3, new RetryRequestedError({ delayMs: 1 }), NOW)).toEqual({
      retry: false,
      reason: 'requested-retries-exhausted',
      cap: 3,
    });
    const none = new ExponentialBackoff({ maxRetries: 0 });
    expect(decideRetry(none, 0, new RetryRequestedError(), NOW).retry).toBe(false);
  });

  it('recognises steering errors from a duplicate install by brand and code', () => {
    expect(decideRetry(backoff, 0, foreign('NON_RETRYABLE'), NOW).reason).toBe('non-retryable');
    expect(decideRetry(new NoRetry(), 0, foreign('RETRY_REQUESTED', { delayMs: 100 }), NOW)).toEqual({
      retry: true,
      retryAt: new Date(NOW.getTime() + 100),
      reason: 'requested',
    });
    expect(isNonRetryableError(foreign('NON_RETRYABLE'))).toBe(true);
    expect(isRetryRequestedError(foreign('RETRY_REQUESTED'))).toBe(true);
    expect(isNonRetryableError(Object.assign(new Error('x'), { code: 'NON_RETRYABLE' }))).toBe(false);
    expect(isRetryRequestedError(new NonRetryableError())).toBe(false);
  });

  it('validates its arguments and the policy result', () => {
    expect(() => decideRetry(backoff, -1, new Error('x'), NOW)).toThrow(InvalidRetryArgumentError);
    expect(() => decideRetry(backoff, 0, new Error('x'), new Date('nope'))).toThrow(/Invalid now/);
    const broken: RetryPolicy = { scheduleRetry: () => new Date('nope') };
    expect(() => decideRetry(broken, 0, new Error('x'), NOW)).toThrow(InvalidRetryPolicyResultError);
    const wrongType = { scheduleRetry: () => 42 } as unknown as RetryPolicy;
    expect(() => decideRetry(wrongType, 0, new Error('x'), NOW)).toThrow(/must return a valid Date or null/);
  });

  it('defaults now to the current time', () => {
    const before = Date.now();
    const decision = decideRetry(new ExponentialBackoff({ baseDelaySeconds: 1 }), 0, new Error('x'));
    expect(decision.retry && decision.retryAt.getTime()).toBeGreaterThanOrEqual(before + 1000);
  });
});
