import type { RedisAdapter } from '@tasks/redis';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, LockedObjectType, lockKeys } from '../src/index.js';
import { lineLength, sleep, targets, useTarget, waitUntil } from './targets.js';

const { TASK } = LockedObjectType;

/** An adapter that fails the test on any Redis call. */
const noRedis = new Proxy({} as RedisAdapter, {
  get: () => () => {
    throw new Error('a disabled limiter must not call Redis');
  },
});

describe('disabled ConcurrencyLimiter', () => {
  it('acquires, extends and releases without any Redis call', async () => {
    const slot = new ConcurrencyLimiter(TASK, 'X');
    expect(await slot.acquire(noRedis)).toBe(true);
    expect(await slot.extend(noRedis)).toBe(true);
    await slot.release(noRedis);
  });
});

describe.each(targets())('ConcurrencyLimiter on $name', (target) => {
  const t = useTarget(target, 'conc');
  const slot = (key: string, limit: number, ttlMs = 30_000): ConcurrencyLimiter =>
    new ConcurrencyLimiter(TASK, key, { prefix: t.prefix, limit, ttlMs });

  it('admits exactly limit holders', async () => {
    const redis = t.redis();
    const holders = [slot('n', 3), slot('n', 3), slot('n', 3)];
    for (const h of holders) expect(await h.acquire(redis)).toBe(true);
    const extra = slot('n', 3);
    expect(await extra.acquire(redis)).toBe(false);
    expect(extra.retryAfterMs).toBeGreaterThan(25_000);
    await holders[0]?.release(redis);
    expect(await extra.acquire(redis)).toBe(true);
    expect(await extra.inspect(redis)).toHaveLength(3);
  });

  it('reclaims an expired holder and tells the truth on extend', async () => {
    const redis = t.redis();
    const crashed = slot('exp', 1, 150);
    expect(await crashed.acquire(redis)).toBe(true);
    expect(await crashed.extend(redis)).toBe(true);
    const next = slot('exp', 1);
    expect(await next.acquire(redis)).toBe(false);
    await sleep(250);
    expect(await crashed.extend(redis)).toBe(false);
    expect(await next.acquire(redis)).toBe(true);
    const intruder = slot('exp', 1);
    await intruder.release(redis);
    expect(await intruder.extend(redis)).toBe(false);
    expect(await next.extend(redis)).toBe(true);
  });

  it('wakes a waiter when a slot frees', async () => {
    const redis = t.redis();
    const holder = slot('wait', 1);
    expect(await holder.acquire(redis)).toBe(true);
    const waiter = slot('wait', 1);
    const started = Date.now();
    const waiting = waiter.acquire(t.extra(), { waitMs: 20_000 });
    await sleep(100);
    await holder.release(redis);
    expect(await waiting).toBe(true);
    // Woken by the release, long before the holder's 30 s lease would have freed the slot.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('hands a slot freed by an expired lease to the waiter, not to a newcomer', async () => {
    const redis = t.redis();
    const crashed = slot('expired-handoff', 1);
    expect(await crashed.acquire(redis)).toBe(true); // and never released
    const waiter = slot('expired-handoff', 1);
    const waiting = waiter.acquire(t.extra(), { waitMs: 20_000 });
    const { main, queue } = lockKeys(waiter.redisKey);
    await waitUntil(async () => (await lineLength(redis, queue)) === 1, 'waiter in line');
    // The crashed holder's lease runs out (its expiry moved to the past: no release runs).
    expect(await redis.command(['ZADD', main, 'XX', 1, crashed.ownerId], { key: main })).toBe(0);
    // The newcomer's attempt (or the waiter's own poll) hands the freed slot to the waiter first.
    expect(await slot('expired-handoff', 1).acquire(redis)).toBe(false);
    expect(await waiting).toBe(true);
    expect((await waiter.inspect(redis)).map((h) => h.ownerId)).toEqual([waiter.ownerId]);
  });

  it('takes its limit from a subclass default', async () => {
    class Two extends ConcurrencyLimiter {
      static override limit = 2;
    }
    const redis = t.redis();
    const make = (): Two => new Two(TASK, 'cls', { prefix: t.prefix });
    expect(await make().acquire(redis)).toBe(true);
    expect(await make().acquire(redis)).toBe(true);
    expect(await make().acquire(redis)).toBe(false);
  });
});
