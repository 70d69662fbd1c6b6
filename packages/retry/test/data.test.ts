import { describe, expect, it } from 'vitest';
import {
  describeRetryPolicy,
  ExponentialBackoff,
  NoRetry,
  RetryPolicyConfigError,
  retryPolicyFromData,
  type RetryPolicy,
} from '../src/index.js';

const NOW = new Date('2026-03-11T12:00:00Z');
const roundTrip = (policy: RetryPolicy): RetryPolicy =>
  retryPolicyFromData(JSON.parse(JSON.stringify(describeRetryPolicy(policy))) as unknown);

function dataError(data: unknown, path?: string): RetryPolicyConfigError {
  try {
    retryPolicyFromData(data, path);
  } catch (error) {
    expect(error).toBeInstanceOf(RetryPolicyConfigError);
    return error as RetryPolicyConfigError;
  }
  throw new Error('expected a RetryPolicyConfigError');
}

describe('retry policies as plain data', () => {
  it.each([
    new NoRetry(),
    new ExponentialBackoff(),
    new ExponentialBackoff({ baseDelaySeconds: 0.5, maxRetries: 8, maxDelaySeconds: 30 }),
    new ExponentialBackoff({ baseDelaySeconds: 2, maxRetries: 3, jitter: 'equal', random: () => 0.25 }),
  ])('%s survives JSON and rebuilds to the same policy', (policy) => {
    const rebuilt = roundTrip(policy);
    expect(rebuilt.constructor).toBe(policy.constructor);
    expect(describeRetryPolicy(rebuilt)).toEqual(describeRetryPolicy(policy));
  });

  it('describes policies with the documented shapes', () => {
    expect(describeRetryPolicy(new NoRetry())).toEqual({ kind: 'none' });
    expect(describeRetryPolicy(new ExponentialBackoff({ maxDelaySeconds: 60, jitter: 'full' }))).toEqual({
      kind: 'exponential',
      baseDelaySeconds: 10,
      maxRetries: 5,
      maxDelaySeconds: 60,
      jitter: 'full',
    });
  });

  it('fills omitted fields with the defaults', () => {
    const policy = retryPolicyFromData({ kind: 'exponential', maxRetries: 2 });
    expect(policy.scheduleRetry(0, null, NOW)?.getTime()).toBe(NOW.getTime() + 10_000);
    expect(policy.scheduleRetry(2, null, NOW)).toBeNull();
    expect(retryPolicyFromData({ kind: 'none' })).toBeInstanceOf(NoRetry);
  });

  it.each([
    [null, 'retryPolicy', 'expected an object'],
    [[], 'retryPolicy', 'an array'],
    ['exponential', 'retryPolicy', 'string "exponential"'],
    [{}, 'retryPolicy.kind', "expected 'none' or 'exponential', got nothing"],
    [{ kind: 'linear' }, 'retryPolicy.kind', '"linear"'],
    [{ kind: 'none', maxRetries: 3 }, 'retryPolicy.maxRetries', "unknown field for kind 'none'"],
    [{ kind: 'exponential', maxRetries: -1 }, 'retryPolicy.maxRetries', 'integer ≥ 0'],
    [{ kind: 'exponential', maxRetries: '3' }, 'retryPolicy.maxRetries', 'integer ≥ 0'],
    [{ kind: 'exponential', baseDelaySeconds: -1 }, 'retryPolicy.baseDelaySeconds', 'finite number ≥ 0'],
    [{ kind: 'exponential', maxDelaySeconds: null }, 'retryPolicy.maxDelaySeconds', 'finite number ≥ 0'],
    [{ kind: 'exponential', jitter: 'some' }, 'retryPolicy.jitter', "'none', 'full' or 'equal'"],
    [{ kind: 'exponential', random: 4 }, 'retryPolicy.random', 'unknown field'],
    [{ kind: 'exponential', retries: 3 }, 'retryPolicy.retries', 'unknown field'],
  ])('rejects %j at %s', (data, path, text) => {
    const error = dataError(data);
    expect(error.code).toBe('INVALID_RETRY_POLICY');
    expect(error.path).toBe(path);
    expect(error.message).toContain(`Invalid retry policy at ${path}: `);
    expect(error.message).toContain(text);
  });

  it('prefixes paths for configuration files and keeps the cause', () => {
    const error = dataError({ kind: 'exponential', maxRetries: 1.5 }, 'tasks.SyncOwners.retry');
    expect(error.path).toBe('tasks.SyncOwners.retry.maxRetries');
    expect(error.reason).toBe('expected an integer ≥ 0, got 1.5');
    expect(error.cause).toBeInstanceOf(RetryPolicyConfigError);
  });

  it('refuses to describe a policy that cannot be data', () => {
    const custom: RetryPolicy = { scheduleRetry: () => null };
    expect(() => describeRetryPolicy(custom)).toThrow(RetryPolicyConfigError);
    const lying = { ...custom, toJSON: () => ({ kind: 'exponential', maxRetries: -2 }) };
    expect(() => describeRetryPolicy(lying)).toThrow(/retryPolicy.maxRetries/);
  });
});
