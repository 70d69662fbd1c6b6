import { describe, expect, it } from 'vitest';
import {
  ExclusiveRWLock,
  hold,
  holdLocks,
  LockedObjectType,
  LockLostError,
  LockUnavailableError,
  MutexLock,
  SharedRWLock,
  ConcurrencyLimiter,
} from '../src/index.js';
import { sleep, targets, useTarget } from './targets.js';

const { JOB } = LockedObjectType;

describe.each(targets())('watchdog on $name', (target) => {
  const t = useTarget(target, 'hold');

  it('keeps leases alive far beyond their TTL', async () => {
    const redis = t.redis();
    // Leases of 1.2 s renewed every 400 ms, held for 3 s: only a stall of most of a lease
    // (not a busy machine) could lose one.
    const locks = [
      new MutexLock(JOB, 'long', { prefix: t.prefix, ttlMs: 1_200 }),
      new SharedRWLock(JOB, 'long-rw', { prefix: t.prefix, ttlMs: 1_200 }),
      new ConcurrencyLimiter(JOB, 'long-c', { prefix: t.prefix, ttlMs: 1_200, limit: 1 }),
    ];
    const result = await hold(redis, locks, async (signal) => {
      await sleep(3_000);
      expect(signal.aborted).toBe(false);
      expect(await new MutexLock(JOB, 'long', { prefix: t.prefix }).acquire(redis)).toBe(false);
      expect(await new ExclusiveRWLock(JOB, 'long-rw', { prefix: t.prefix }).acquire(redis)).toBe(false);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await new MutexLock(JOB, 'long', { prefix: t.prefix }).acquire(redis)).toBe(true);
  });

  it('aborts the signal when the lease is lost', async () => {
    const redis = t.redis();
    const lock = new MutexLock(JOB, 'lost', { prefix: t.prefix, ttlMs: 300 });
    const lost: LockLostError[] = [];
    const reason = await hold(
      redis,
      lock,
      async (signal) => {
        // Someone deletes the key (an operator, an eviction): the next extension fails.
        await redis.command(['DEL', lock.redisKey], { key: lock.redisKey });
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        return signal.reason as unknown;
      },
      { onLost: (e) => lost.push(e) },
    );
    expect(reason).toBeInstanceOf(LockLostError);
    expect((reason as LockLostError).key).toBe(lock.redisKey);
    expect(lost).toHaveLength(1);
  });

  it('works with await using, and throws when the lock is busy', async () => {
    const redis = t.redis();
    const lock = new MutexLock(JOB, 'using', { prefix: t.prefix });
    {
      await using held = await lock.hold(redis);
      expect(held.signal.aborted).toBe(false);
      await expect(new MutexLock(JOB, 'using', { prefix: t.prefix }).hold(redis)).rejects.toThrow(
        LockUnavailableError,
      );
    }
    const again = await holdLocks(redis, [new MutexLock(JOB, 'using', { prefix: t.prefix })]);
    await again.release();
    await again.release();
  });
});
