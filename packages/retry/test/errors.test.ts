import { describe, expect, it } from 'vitest';
import {
  InvalidRetryArgumentError,
  InvalidRetryPolicyResultError,
  NonRetryableError,
  RetryPolicyConfigError,
  RetryRequestedError,
  TASKS_ERROR_BRAND,
  TasksError,
} from '../src/index.js';

// The same check as isTasksError() in @tasks/redis, without depending on it.
const isTasksError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as Record<symbol, unknown>)[Symbol.for('@tasks/error')] === true;

describe('errors', () => {
  const cases: [TasksError, string, string][] = [
    [new NonRetryableError('x'), 'NON_RETRYABLE', 'NonRetryableError'],
    [new RetryRequestedError('x'), 'RETRY_REQUESTED', 'RetryRequestedError'],
    [new RetryPolicyConfigError('maxRetries', 'bad'), 'INVALID_RETRY_POLICY', 'RetryPolicyConfigError'],
    [new InvalidRetryArgumentError('attempt', 'bad'), 'INVALID_RETRY_ARGUMENT', 'InvalidRetryArgumentError'],
    [new InvalidRetryPolicyResultError(42), 'INVALID_RETRY_POLICY_RESULT', 'InvalidRetryPolicyResultError'],
  ];

  it.each(cases)('%s has a stable code, a name and the shared @tasks brand', (error, code, name) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(TasksError);
    expect(isTasksError(error)).toBe(true);
    expect(error[TASKS_ERROR_BRAND]).toBe(true);
    expect(TASKS_ERROR_BRAND).toBe(Symbol.for('@tasks/error'));
  });

  it('NonRetryableError keeps its cause and has a default message', () => {
    const cause = new Error('404');
    const error = new NonRetryableError('user 42 does not exist', { cause });
    expect(error.cause).toBe(cause);
    expect(new NonRetryableError().message).toBe('The task failed and must not be retried');
  });

  it('RetryRequestedError takes a message and/or options', () => {
    const cause = new Error('429');
    const withMessage = new RetryRequestedError('rate limited', { delayMs: 30_000, cause });
    expect(withMessage.message).toBe('rate limited');
    expect(withMessage.delayMs).toBe(30_000);
    expect(withMessage.cause).toBe(cause);
    const optionsOnly = new RetryRequestedError({ delayMs: 5000 });
    expect(optionsOnly.message).toBe('Retry requested in 5000 ms');
    expect(optionsOnly.delayMs).toBe(5000);
    expect(optionsOnly.cause).toBeUndefined();
    expect(new RetryRequestedError().delayMs).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number])(
    'RetryRequestedError rejects delayMs %s',
    (delayMs) => {
      expect(() => new RetryRequestedError({ delayMs })).toThrow(InvalidRetryArgumentError);
      expect(() => new RetryRequestedError({ delayMs })).toThrow(/Invalid delayMs/);
    },
  );
});
