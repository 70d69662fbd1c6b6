import { describe, expect, it } from 'vitest';
import {
  acquireAll,
  acquisitionOrder,
  ConcurrencyLimiter,
  inspectLockKey,
  LockedObjectType,
  MutexLock,
  RateLimiter,
} from '../src/index.js';
import { sleep, targets, useTarget } from './targets.js';

const { TASK, JOB } = LockedObjectType;

describe.each(targets())('acquireAll on $name', (target) => {
  const t = useTarget(target, 'all');
  const mutex = (key: string): MutexLock => new MutexLock(JOB, key, { prefix: t.prefix });
  const rate = (key: string, limit: number, nItems = 1): RateLimiter =>
    new RateLimiter(TASK, key, { prefix: t.prefix, limit, windowSeconds: 60, nItems });
  const quota = async (rl: RateLimiter): Promise<number> =>
    (await inspectLockKey(t.redis(), rl.redisKey))?.used ?? -1;

  it('takes everything, rate limiters last, in one deterministic order', async () => {
    const redis = t.redis();
    const locks = [
      rate('r', 10),
      mutex('b'),
      mutex('a'),
      new ConcurrencyLimiter(TASK, 'c', { prefix: t.prefix, limit: 2 }),
    ];
    const order = acquisitionOrder(locks).map((l) => l.redisKey);
    expect(order.at(-1)).toBe(locks[0]?.redisKey);
    expect(acquisitionOrder([...locks].reverse()).map((l) => l.redisKey)).toEqual(order);
    const result = await acquireAll(redis, locks);
    expect(result.acquired).toBe(true);
    if (result.acquired) expect(result.held.map((l) => l.redisKey)).toEqual(order);
  });

  it('consumes no rate-limit quota when another lock is busy', async () => {
    const redis = t.redis();
    const blocker = mutex('busy');
    expect(await blocker.acquire(redis)).toBe(true);
    const limiter = rate('quota', 5);
    const result = await acquireAll(redis, [limiter, mutex('busy')]);
    expect(result.acquired).toBe(false);
    if (!result.acquired) expect(result.blockedBy.redisKey).toBe(blocker.redisKey);
    expect(await quota(limiter)).toBe(0);
  });

  it('gives back quota when a later rate limiter refuses', async () => {
    const redis = t.redis();
    // Rate limiters are taken in key order: 'aa-open' succeeds first, then 'zz-full' refuses.
    const full = rate('zz-full', 1);
    expect(await full.acquire(redis)).toBe(true);
    const open = rate('aa-open', 5);
    const openBig = rate('ab-open-big', 9, 3);
    const result = await acquireAll(redis, [rate('zz-full', 1), open, openBig, mutex('taken-on-the-way')]);
    expect(result.acquired).toBe(false);
    if (!result.acquired) expect(result.blockedBy.redisKey).toBe(full.redisKey);
    expect(await quota(open)).toBe(0);
    expect(await quota(openBig)).toBe(0);
    // and the mutex taken on the way was released
    expect(await mutex('taken-on-the-way').acquire(redis)).toBe(true);
  });

  it('skips limiters when asked (interactive runs)', async () => {
    const redis = t.redis();
    const exhausted = rate('skip', 1);
    expect(await exhausted.acquire(redis)).toBe(true);
    const result = await acquireAll(redis, [rate('skip', 1), mutex('skip')], { skipLimiters: true });
    expect(result.acquired).toBe(true);
  });

  it('never deadlocks when two callers want the same pair in opposite orders', async () => {
    const redis = t.redis();
    let overlap = 0;
    let inside = 0;
    const run = async (flip: boolean, n: number): Promise<void> => {
      const conn = t.extra();
      for (let i = 0; i < n; i++) {
        const pair = [mutex('p1'), mutex('p2')];
        const result = await acquireAll(conn, flip ? pair.reverse() : pair, { waitMs: 5_000 });
        expect(result.acquired).toBe(true);
        if (!result.acquired) return;
        inside++;
        overlap = Math.max(overlap, inside);
        await sleep(1);
        inside--;
        for (const l of result.held) await l.release(conn);
      }
    };
    await Promise.all([run(false, 30), run(true, 30), run(false, 30), run(true, 30)]);
    expect(overlap).toBe(1);
    expect(await mutex('p1').acquire(redis)).toBe(true);
  });
});
