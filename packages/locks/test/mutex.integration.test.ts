import { describe, expect, it } from 'vitest';
import { LockedObjectType, lockKeys, MutexLock } from '../src/index.js';
import type { RedisAdapter } from '@tasks/redis';
import { lineLength, sleep, targets, useTarget, waitUntil } from './targets.js';

const { JOB } = LockedObjectType;

describe.each(targets())('MutexLock on $name', (target) => {
  const t = useTarget(target, 'mutex');
  const lock = (key: string, ttlMs = 30_000): MutexLock =>
    new MutexLock(JOB, key, { prefix: t.prefix, ttlMs });

  it('runs where the target says (cluster targets really are clusters)', () => {
    expect(t.redis().isCluster).toBe(target.name.includes('cluster'));
  });

  it('has one owner at a time and frees on release', async () => {
    const redis = t.redis();
    const a = lock('basic');
    const b = lock('basic');
    expect(await a.acquire(redis)).toBe(true);
    expect(await b.acquire(redis)).toBe(false);
    expect(await redis.command(['GET', a.redisKey], { key: a.redisKey })).toBe(a.ownerId);
    await a.release(redis);
    expect(await b.acquire(redis)).toBe(true);
    await b.release(redis);
  });

  it('lets another owner neither release nor extend it', async () => {
    const redis = t.redis();
    const a = lock('owned');
    const intruder = lock('owned');
    expect(await a.acquire(redis)).toBe(true);
    await intruder.release(redis);
    expect(await intruder.extend(redis)).toBe(false);
    expect(await redis.command(['GET', a.redisKey], { key: a.redisKey })).toBe(a.ownerId);
    expect(await a.extend(redis)).toBe(true);
    await a.release(redis);
    await a.release(redis); // idempotent
    expect(await a.extend(redis)).toBe(false);
  });

  it('frees itself after its TTL', async () => {
    const redis = t.redis();
    const a = lock('ttl', 150);
    expect(await a.acquire(redis)).toBe(true);
    expect(await lock('ttl').acquire(redis)).toBe(false);
    await sleep(250);
    const b = lock('ttl');
    expect(await b.acquire(redis)).toBe(true);
    expect(await a.extend(redis)).toBe(false);
    await a.release(redis);
    expect(await redis.command(['GET', b.redisKey], { key: b.redisKey })).toBe(b.ownerId);
  });

  it('issues strictly increasing fencing tokens across owners and expiries', async () => {
    const redis = t.redis();
    const tokens: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = lock('fence', 100);
      expect(await l.acquire(redis)).toBe(true);
      tokens.push(l.fencingToken ?? -1);
      if (i % 2 === 0) await l.release(redis);
      else await sleep(150); // let it expire instead
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1] ?? Infinity);
  });

  it('keeps fencing tokens increasing when the fence counter expires', async () => {
    const redis = t.redis();
    const first = lock('fence-restart');
    expect(await first.acquire(redis)).toBe(true);
    await first.release(redis);
    const { fence } = lockKeys(first.redisKey);
    // The counter lives max(2 x ttl, 60 s); its loss restarts it from the server clock (µs).
    expect(await redis.command(['DEL', fence], { key: fence })).toBe(1);
    const second = lock('fence-restart');
    expect(await second.acquire(redis)).toBe(true);
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken ?? Infinity);
    expect(Number(await redis.command(['PTTL', fence], { key: fence }))).toBeGreaterThan(50_000);
    await second.release(redis);
  });

  it('wakes a waiter of this process from the release reply, without pub/sub', async () => {
    const redis = t.redis();
    // An adapter whose subscriptions never deliver: only the local hand-off (or the 250 ms
    // poll) can wake the waiter.
    const deaf = new Proxy(t.extra(), {
      get(target, prop) {
        if (prop === 'subscribe') return async () => async () => {};
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const holder = lock('local');
    expect(await holder.acquire(redis)).toBe(true);
    const waiter = lock('local');
    let wokenAt = 0;
    const waiting = waiter.acquire(deaf, { waitMs: 10_000 }).then((ok) => {
      wokenAt = performance.now();
      return ok;
    });
    await queued(redis, waiter, 1);
    await holder.release(redis);
    const releasedAt = performance.now();
    expect(await waiting).toBe(true);
    expect(wokenAt - releasedAt).toBeLessThan(100);
    expect(waiter.fencingToken).toBeGreaterThan(holder.fencingToken ?? Infinity);
    await waiter.release(redis);
  });

  it('waits for a release and is handed the lock', async () => {
    const redis = t.redis();
    const holder = lock('wait');
    expect(await holder.acquire(redis)).toBe(true);
    const waiter = lock('wait');
    const waiting = waiter.acquire(t.extra(), { waitMs: 10_000 });
    await queued(redis, waiter, 1);
    await holder.release(redis);
    expect(await waiting).toBe(true);
    expect(waiter.fencingToken).toBeGreaterThan(holder.fencingToken ?? Infinity);
    await waiter.release(redis);
  });

  it('gives up after waitMs, and a releaser cannot barge ahead of waiters', async () => {
    const redis = t.redis();
    const holder = lock('queue');
    expect(await holder.acquire(redis)).toBe(true);
    expect(await lock('queue').acquire(redis, { waitMs: 200 })).toBe(false);
    const waiter = lock('queue');
    const waiting = waiter.acquire(t.extra(), { waitMs: 10_000 });
    await queued(redis, waiter, 1);
    await holder.release(redis);
    // The former holder tries again at once: the lock already belongs to the waiter.
    expect(await holder.acquire(redis)).toBe(false);
    expect(await waiting).toBe(true);
    await waiter.release(redis);
  });

  it('stores the metadata of a waiter when the lock is handed to it', async () => {
    const redis = t.redis();
    const holder = lock('handed-meta');
    expect(await holder.acquire(redis)).toBe(true);
    const waiter = lock('handed-meta');
    const waiting = waiter.acquire(t.extra(), { waitMs: 10_000, metadata: { task: 'w-1' } });
    await queued(redis, waiter, 1);
    await holder.release(redis);
    expect(await waiting).toBe(true);
    expect(await waiter.inspect(redis)).toMatchObject([
      { ownerId: waiter.ownerId, metadata: { task: 'w-1' } },
    ]);
    await waiter.release(redis);
    expect(await waiter.inspect(redis)).toEqual([]);
  });

  it('stops waiting when the signal aborts', async () => {
    const redis = t.redis();
    const holder = lock('abort');
    expect(await holder.acquire(redis)).toBe(true);
    const controller = new AbortController();
    const waiting = lock('abort').acquire(redis, { waitMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop waiting')), 100);
    await expect(waiting).rejects.toThrow('stop waiting');
    await holder.release(redis);
    // The aborted waiter left the line: a newcomer gets the free lock at once.
    const next = lock('abort');
    expect(await next.acquire(redis)).toBe(true);
    await next.release(redis);
  });

  it('reports its holder with metadata and TTL', async () => {
    const redis = t.redis();
    const a = lock('inspect', 10_000);
    expect(await a.acquire(redis, { metadata: { worker: 'w1', task: 't-1' } })).toBe(true);
    const [holder] = await a.inspect(redis);
    expect(holder?.ownerId).toBe(a.ownerId);
    expect(holder?.role).toBe('owner');
    expect(holder?.metadata).toEqual({ worker: 'w1', task: 't-1' });
    expect(holder?.ttlMs).toBeGreaterThan(8_000);
    await a.release(redis);
    expect(await a.inspect(redis)).toEqual([]);
  });
});

describe.each(targets())('listLocks on $name', (target) => {
  const t = useTarget(target, 'list');

  it('finds held locks with owners and TTLs, and skips companion keys', async () => {
    const redis = t.redis();
    const m = new MutexLock(JOB, 'listed', { prefix: t.prefix, ttlMs: 20_000 });
    expect(await m.acquire(redis, { metadata: { host: 'h1' } })).toBe(true);
    const { SharedRWLock, listLocks, lockKindOf } = await import('../src/index.js');
    const r = new SharedRWLock(JOB, 'listed-rw', { prefix: t.prefix });
    expect(await r.acquire(redis)).toBe(true);
    const found = await listLocks(redis, `${t.prefix}:*`);
    const byKey = new Map(found.map((f) => [f.key, f]));
    expect(byKey.get(m.redisKey)?.kind).toBe('mutex');
    expect(byKey.get(m.redisKey)?.holders[0]?.ownerId).toBe(m.ownerId);
    expect(byKey.get(m.redisKey)?.holders[0]?.metadata).toEqual({ host: 'h1' });
    expect(byKey.get(m.redisKey)?.holders[0]?.ttlMs).toBeGreaterThan(15_000);
    expect(byKey.get(r.redisKey)?.holders.map((h) => h.role)).toEqual(['reader']);
    expect(lockKindOf(lockKeys(m.redisKey).fence)).toBeNull();
    expect(found.every((f) => lockKindOf(f.key) !== null)).toBe(true);
  });
});

/** Waits (bounded) until `count` owners wait in the mutex's line. */
async function queued(redis: RedisAdapter, lock: MutexLock, count: number): Promise<void> {
  const { queue } = lockKeys(lock.redisKey);
  await waitUntil(
    async () => (await lineLength(redis, queue)) >= count,
    `${count} queued on ${lock.redisKey}`,
  );
}
