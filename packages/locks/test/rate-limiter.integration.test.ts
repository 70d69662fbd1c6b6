import type { RedisAdapter } from '@tasks/redis';
import { describe, expect, it } from 'vitest';
import {
  inspectLockKey,
  LockedObjectType,
  lockKeys,
  RateLimiter,
  RateLimitExceededCapacityError,
} from '../src/index.js';
import { sleep, targets, useTarget } from './targets.js';

const { TASK } = LockedObjectType;

const noRedis = new Proxy({} as RedisAdapter, {
  get: () => () => {
    throw new Error('a disabled limiter must not call Redis');
  },
});

describe('disabled RateLimiter', () => {
  it('acquires with no Redis call, and release is a no-op', async () => {
    const rl = new RateLimiter(TASK, 'X');
    expect(await rl.acquire(noRedis)).toBe(true);
    await rl.release(noRedis);
  });
});

describe.each(targets())('RateLimiter on $name', (target) => {
  const t = useTarget(target, 'rate');
  const limiter = (key: string, limit: number, windowSeconds: number, nItems = 1): RateLimiter =>
    new RateLimiter(TASK, key, { prefix: t.prefix, limit, windowSeconds, nItems });

  it('admits limit units per window, then refuses with retryAfterMs', async () => {
    const redis = t.redis();
    for (let i = 0; i < 5; i++) expect(await limiter('n', 5, 2).acquire(redis)).toBe(true);
    const refused = limiter('n', 5, 2);
    expect(await refused.acquire(redis)).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(1_500);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2_000);
  });

  it('rejects nItems > limit with a clear error instead of refusing forever', async () => {
    const rl = limiter('cap', 3, 1, 4);
    await expect(rl.acquire(t.redis())).rejects.toThrow(RateLimitExceededCapacityError);
    await expect(rl.acquire(t.redis())).rejects.toThrow(/nItems|limit is 3/);
  });

  it('has an accurate retryAfterMs', async () => {
    const redis = t.redis();
    const window = 0.6;
    const first = limiter('accurate', 2, window);
    expect(await first.acquire(redis)).toBe(true);
    await sleep(200);
    const second = limiter('accurate', 2, window);
    expect(await second.acquire(redis)).toBe(true);
    const refused = limiter('accurate', 2, window);
    expect(await refused.acquire(redis)).toBe(false);
    const after = await redis.time();
    // The refusal happened between the second admission and `after` (server clock), so the
    // first unit leaves the window exactly retryAfterMs later: bounds independent of load.
    const firstLeaves = (first.lastAdmittedAt ?? 0) + window * 1000;
    expect(refused.retryAfterMs).toBeLessThanOrEqual(firstLeaves - (second.lastAdmittedAt ?? 0));
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(firstLeaves - after);
    await sleep((refused.retryAfterMs ?? 0) + 20);
    expect(await limiter('accurate', 2, window).acquire(redis)).toBe(true);
  });

  it('never admits more than limit units in any window (server timestamps)', async () => {
    const redis = t.redis();
    const limit = 4;
    const windowMs = 300;
    const admitted: number[] = [];
    const deadline = Date.now() + 1_500;
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const rl = limiter('sliding', limit, windowMs / 1000);
        if (await rl.acquire(redis)) admitted.push(rl.lastAdmittedAt ?? NaN);
        else await sleep(Math.min(rl.retryAfterMs ?? 5, 15) * Math.random());
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    admitted.sort((a, b) => a - b);
    // Any window [s, s + W) holds at most `limit` admissions iff every admission is at least
    // W after the one `limit` places before it (admission times come from the server).
    expect(admitted.length).toBeGreaterThan(limit * 3);
    for (let i = 0; i + limit < admitted.length; i++) {
      expect((admitted[i + limit] ?? 0) - (admitted[i] ?? 0)).toBeGreaterThanOrEqual(windowMs);
    }
  });

  it('drops expired entries, so the log stays the size of one window', async () => {
    const redis = t.redis();
    const log = limiter('bounded', 10_000, 0.5).redisKey;
    const length = async (): Promise<number> => Number(await redis.command(['LLEN', log], { key: log }));
    const admit = async (count: number): Promise<void> => {
      const results = await Promise.all(
        Array.from({ length: count }, () => limiter('bounded', 10_000, 0.5).acquire(redis)),
      );
      expect(results.every(Boolean)).toBe(true);
    };
    await admit(100);
    expect(await length()).toBe(100);
    await sleep(600); // the first 100 leave the window
    await admit(100);
    // Without pruning the log would hold 200 entries.
    expect(await length()).toBeLessThanOrEqual(100);
  });

  it('stores one log entry per admission, whatever its nItems', async () => {
    const redis = t.redis();
    const big = (): RateLimiter => limiter('big', 5_000, 60, 2_500);
    expect(await big().acquire(redis)).toBe(true);
    expect(await big().acquire(redis)).toBe(true);
    const refused = big();
    expect(await refused.acquire(redis)).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    const { main: log, units } = lockKeys(refused.redisKey);
    expect(Number(await redis.command(['LLEN', log], { key: log }))).toBe(2);
    expect(Number(await redis.command(['GET', units], { key: units }))).toBe(2 * 2_499);
    expect((await inspectLockKey(redis, log))?.used).toBe(5_000);
  });

  it('counts units, not admissions, with mixed sizes in one window', async () => {
    const redis = t.redis();
    const windowMs = 400;
    const admitted: Array<{ at: number; n: number }> = [];
    const deadline = Date.now() + 1_500;
    const worker = async (n: number): Promise<void> => {
      while (Date.now() < deadline) {
        const rl = limiter('mixed', 6, windowMs / 1000, n);
        if (await rl.acquire(redis)) admitted.push({ at: rl.lastAdmittedAt ?? NaN, n });
        else await sleep(Math.min(rl.retryAfterMs ?? 5, 15) * Math.random());
      }
    };
    await Promise.all([worker(1), worker(1), worker(2), worker(3)]);
    expect(admitted.length).toBeGreaterThan(6);
    expect(new Set(admitted.map((a) => a.n)).size).toBeGreaterThan(1);
    // Every window [s, s + W) starting at an admission holds at most `limit` units.
    admitted.sort((a, b) => a.at - b.at);
    for (const start of admitted) {
      const inWindow = admitted.filter((a) => a.at >= start.at && a.at < start.at + windowMs);
      expect(inWindow.reduce((sum, a) => sum + a.n, 0)).toBeLessThanOrEqual(6);
    }
  });

  it('keeps counting a multi-unit admission while a later one-unit admission keeps the log alive', async () => {
    const redis = t.redis();
    const windowMs = 2_000;
    const rl = (n: number): RateLimiter => limiter('outlive', 6, windowMs / 1000, n);
    const first = rl(3);
    expect(await first.acquire(redis)).toBe(true); // A: 3 units at t0
    const serverMs = (): Promise<number> => redis.time();
    while ((await serverMs()) < (first.lastAdmittedAt ?? 0) + windowMs / 2) await sleep(20);
    const b = rl(1);
    expect(await b.acquire(redis)).toBe(true); // B: 1 unit at t0 + W/2, in the window until t0 + 1.5 W
    // Wait until A has left the window; B is still in it.
    while ((await serverMs()) <= (first.lastAdmittedAt ?? 0) + windowMs) await sleep(20);
    expect(await rl(3).acquire(redis)).toBe(true); // D: B + D = 4 units
    expect(await rl(1).acquire(redis)).toBe(true); // E: 5 units
    const f = rl(2);
    expect(await f.acquire(redis)).toBe(false); // F would make 7
    expect(await serverMs(), 'B was still in the window when F was refused').toBeLessThan(
      (b.lastAdmittedAt ?? 0) + windowMs,
    );
  });

  it('waits until quota frees with waitMs', async () => {
    const redis = t.redis();
    expect(await limiter('wait', 1, 0.3).acquire(redis)).toBe(true);
    const started = Date.now();
    expect(await limiter('wait', 1, 0.3).acquire(redis, { waitMs: 2_000 })).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(200);
  });
});
