// Every lock kind under a hash-tagged prefix (as an app puts its tasks' locks): it works on a
// cluster (all its keys in the prefix's slot) and inspection finds it.
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyLimiter,
  ExclusiveRWLock,
  inspectLockKey,
  listLocks,
  LockedObjectType,
  lockKeys,
  MutexLock,
  RateLimiter,
  SharedRWLock,
} from '../src/index.js';
import { lineLength, targets, useTarget, waitUntil } from './targets.js';

const { TASK } = LockedObjectType;

describe.each(targets())('locks under a hash-tagged prefix on $name', (target) => {
  const t = useTarget(target, 'prefix');
  const tagged = `{${t.prefix}}`;

  it('acquire, wait, hand over, inspect and list every kind', async () => {
    const redis = t.redis();
    const meta = { metadata: { task: 't-1' } };
    const mutex = new MutexLock(TASK, 'Tick').withPrefix(tagged);
    const reader = new SharedRWLock(TASK, 'Data').withPrefix(tagged);
    const slot = new ConcurrencyLimiter(TASK, 'Upload', { limit: 1 }).withPrefix(tagged);
    const rate = new RateLimiter(TASK, 'Api', { limit: 5, windowSeconds: 60, nItems: 2 }).withPrefix(tagged);
    expect(mutex.redisKey).toBe(`${tagged}:lock:mutex:task:Tick`);
    for (const lock of [mutex, reader, slot, rate]) expect(await lock.acquire(redis, meta)).toBe(true);

    // A waiter in line under the prefix is handed the mutex on release (same slot on a cluster).
    const waiter = new MutexLock(TASK, 'Tick').withPrefix(tagged);
    const waiting = waiter.acquire(t.extra(), { waitMs: 20_000 });
    await waitUntil(async () => (await lineLength(redis, lockKeys(mutex.redisKey).queue)) === 1, 'in line');
    await mutex.release(redis);
    expect(await waiting).toBe(true);
    expect(waiter.fencingToken).toBeGreaterThan(mutex.fencingToken ?? Infinity);

    const found = new Map((await listLocks(redis, `${tagged}*`)).map((info) => [info.key, info]));
    expect([...found.keys()].sort()).toEqual([mutex, reader, slot, rate].map((l) => l.redisKey).sort());
    expect(found.get(mutex.redisKey)?.holders.map((h) => h.ownerId)).toEqual([waiter.ownerId]);
    expect(found.get(reader.redisKey)?.holders).toMatchObject([
      { ownerId: reader.ownerId, role: 'reader', metadata: { task: 't-1' } },
    ]);
    expect(found.get(slot.redisKey)?.holders).toMatchObject([{ ownerId: slot.ownerId, role: 'slot' }]);
    expect(found.get(rate.redisKey)?.used).toBe(2);
    expect((await inspectLockKey(redis, slot.redisKey))?.kind).toBe('concurrency');
    expect(await inspectLockKey(redis, lockKeys(slot.redisKey).meta)).toBeNull();

    const writer = new ExclusiveRWLock(TASK, 'Data').withPrefix(tagged);
    expect(await writer.acquire(redis)).toBe(false);
    await reader.release(redis);
    expect(await writer.acquire(redis)).toBe(true);
    expect((await writer.inspect(redis)).map((h) => h.role)).toEqual(['writer']);
    for (const lock of [waiter, writer, slot]) await lock.release(redis);
  });
});
