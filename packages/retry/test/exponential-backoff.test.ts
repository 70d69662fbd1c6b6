import { describe, expect, it } from 'vitest';
import {
  ExponentialBackoff,
  InvalidRetryArgumentError,
  NoRetry,
  RetryPolicyConfigError,
  type RetryPolicy,
} from '../src/index.js';

const NOW = new Date('2026-03-11T12:00:00Z');
const seconds = (d: Date | null): number | null => (d === null ? null : (d.getTime() - NOW.getTime()) / 1000);
const delays = (policy: ExponentialBackoff, attempts: number): (number | null)[] =>
  Array.from({ length: attempts }, (_, attempt) =>
    seconds(policy.scheduleRetry(attempt, new Error('boom'), NOW)),
  );

/** Deterministic PRNG (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('NoRetry', () => {
  it('never retries', () => {
    const policy = new NoRetry();
    for (const attempt of [0, 1, 10]) expect(policy.scheduleRetry(attempt, new Error('x'), NOW)).toBeNull();
    expect(policy.toJSON()).toEqual({ kind: 'none' });
    expect((policy as RetryPolicy).maxRetries).toBeUndefined();
  });
});

describe('ExponentialBackoff', () => {
  it('defaults to 10, 20, 40, 80, 160 s and then stops: exactly maxRetries = 5 retries', () => {
    const policy = new ExponentialBackoff();
    expect(delays(policy, 7)).toEqual([10, 20, 40, 80, 160, null, null]);
    expect(policy.baseDelaySeconds).toBe(10);
    expect(policy.maxRetries).toBe(5);
  });

  it('gives exactly maxRetries retries for every maxRetries (the original gave one fewer)', () => {
    for (const maxRetries of [0, 1, 3, 8]) {
      const given = delays(new ExponentialBackoff({ baseDelaySeconds: 1, maxRetries }), 12).filter(
        (d) => d !== null,
      );
      expect(given).toHaveLength(maxRetries);
    }
  });

  it('matches the original policies when called 0-based', () => {
    expect(delays(new ExponentialBackoff({ baseDelaySeconds: 5, maxRetries: 3 }), 4)).toEqual([
      5,
      10,
      20,
      null,
    ]);
    expect(delays(new ExponentialBackoff({ baseDelaySeconds: 300, maxRetries: 3 }), 4)).toEqual([
      300,
      600,
      1200,
      null,
    ]);
  });

  it('caps delays at maxDelaySeconds', () => {
    const policy = new ExponentialBackoff({ baseDelaySeconds: 5, maxRetries: 5, maxDelaySeconds: 15 });
    expect(delays(policy, 6)).toEqual([5, 10, 15, 15, 15, null]);
    expect(policy.delaySeconds(3)).toBe(15);
  });

  it('accepts sub-second and zero delays', () => {
    expect(delays(new ExponentialBackoff({ baseDelaySeconds: 0.05, maxRetries: 2 }), 3)).toEqual([
      0.05,
      0.1,
      null,
    ]);
    expect(delays(new ExponentialBackoff({ baseDelaySeconds: 0, maxRetries: 2 }), 3)).toEqual([0, 0, null]);
  });

  it('never overflows the Date range', () => {
    const policy = new ExponentialBackoff({ maxRetries: 5000 });
    const at = policy.scheduleRetry(4000, null, NOW);
    expect(at?.getTime()).toBe(8.64e15);
  });

  it('full jitter stays in [0, capped delay] and is deterministic under an injected random source', () => {
    const make = (): ExponentialBackoff =>
      new ExponentialBackoff({
        baseDelaySeconds: 10,
        maxRetries: 6,
        maxDelaySeconds: 100,
        jitter: 'full',
        random: seeded(42),
      });
    const first = delays(make(), 6);
    expect(delays(make(), 6)).toEqual(first);
    const policy = make();
    for (let i = 0; i < 2000; i++) {
      const attempt = i % 6;
      const delay = seconds(policy.scheduleRetry(attempt, null, NOW)) ?? -1;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(10 * 2 ** attempt, 100));
    }
  });

  it('full jitter spreads delays across the whole range', () => {
    const policy = new ExponentialBackoff({
      baseDelaySeconds: 100,
      maxRetries: 1,
      jitter: 'full',
      random: seeded(7),
    });
    const samples = Array.from({ length: 1000 }, () => seconds(policy.scheduleRetry(0, null, NOW)) ?? 0);
    expect(Math.min(...samples)).toBeLessThan(5);
    expect(Math.max(...samples)).toBeGreaterThan(95);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(45);
    expect(mean).toBeLessThan(55);
  });

  it('equal jitter stays in [delay/2, delay]', () => {
    const policy = new ExponentialBackoff({
      baseDelaySeconds: 10,
      maxRetries: 3,
      jitter: 'equal',
      random: seeded(3),
    });
    for (let i = 0; i < 300; i++) {
      const attempt = i % 3;
      const delay = seconds(policy.scheduleRetry(attempt, null, NOW)) ?? -1;
      expect(delay).toBeGreaterThanOrEqual(5 * 2 ** attempt);
      expect(delay).toBeLessThanOrEqual(10 * 2 ** attempt);
    }
    const edges = new ExponentialBackoff({ baseDelaySeconds: 10, jitter: 'full', random: () => 0 });
    expect(seconds(edges.scheduleRetry(0, null, NOW))).toBe(0);
  });

  it('passes the real error object and defaults now to the current time', () => {
    const before = Date.now();
    const at = new ExponentialBackoff({ baseDelaySeconds: 1 }).scheduleRetry(0, new TypeError('x'));
    expect(at?.getTime()).toBeGreaterThanOrEqual(before + 1000);
    expect(at?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it.each([
    [{ baseDelaySeconds: -1 }, 'baseDelaySeconds', 'finite number ≥ 0'],
    [{ baseDelaySeconds: Number.NaN }, 'baseDelaySeconds', 'NaN'],
    [{ baseDelaySeconds: Number.POSITIVE_INFINITY }, 'baseDelaySeconds', 'Infinity'],
    [{ baseDelaySeconds: '10' }, 'baseDelaySeconds', 'finite number'],
    [{ maxRetries: -1 }, 'maxRetries', 'integer ≥ 0'],
    [{ maxRetries: 2.5 }, 'maxRetries', '2.5'],
    [{ maxDelaySeconds: -5 }, 'maxDelaySeconds', 'finite number ≥ 0'],
    [{ jitter: 'half' }, 'jitter', "'none', 'full' or 'equal'"],
    [{ random: 0.5 }, 'random', 'function'],
    [{ maxRetry: 3 }, 'maxRetry', 'unknown option'],
  ])('rejects %j naming %s', (options, path, text) => {
    let error: unknown;
    try {
      new ExponentialBackoff(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RetryPolicyConfigError);
    expect((error as RetryPolicyConfigError).code).toBe('INVALID_RETRY_POLICY');
    expect((error as RetryPolicyConfigError).path).toBe(path);
    expect((error as Error).message).toContain(`Invalid retry policy at ${path}: `);
    expect((error as Error).message).toContain(text);
  });

  it('rejects a random source that leaves [0, 1]', () => {
    const policy = new ExponentialBackoff({ jitter: 'full', random: () => 2 });
    expect(() => policy.scheduleRetry(0, null, NOW)).toThrow(/random: must return a number in \[0, 1\)/);
  });

  it('rejects a bad attempt or now', () => {
    const policy = new ExponentialBackoff();
    for (const attempt of [-1, 0.5, Number.NaN, '1' as unknown as number]) {
      expect(() => policy.scheduleRetry(attempt, null, NOW)).toThrow(InvalidRetryArgumentError);
    }
    expect(() => policy.scheduleRetry(0, null, new Date('x'))).toThrow(/Invalid now/);
    expect(() => new NoRetry().scheduleRetry(-1, null)).toThrow(/Invalid attempt/);
  });

  it('describes itself', () => {
    expect(String(new ExponentialBackoff())).toBe('exponential backoff: 10 s · 2^attempt, 5 retries');
    expect(String(new ExponentialBackoff({ maxDelaySeconds: 60, jitter: 'full' }))).toBe(
      'exponential backoff: 10 s · 2^attempt, 5 retries, at most 60 s, full jitter',
    );
  });
});
