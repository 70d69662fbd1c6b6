import { describe, expect, it } from 'vitest';
import { ExclusiveRWLock, LockedObjectType, lockKeys, SharedRWLock } from '../src/index.js';
import { lineLength, sleep, targets, useTarget, waitUntil } from './targets.js';

const { TRANSFORMATION } = LockedObjectType;

describe.each(targets())('readers-writer lock on $name', (target) => {
  const t = useTarget(target, 'rw');
  const reader = (key: string, ttlMs = 30_000, preferWriters = true): SharedRWLock =>
    new SharedRWLock(TRANSFORMATION, key, { prefix: t.prefix, ttlMs, preferWriters });
  const writer = (key: string, ttlMs = 30_000, intentMs?: number): ExclusiveRWLock =>
    new ExclusiveRWLock(TRANSFORMATION, key, {
      prefix: t.prefix,
      ttlMs,
      ...(intentMs !== undefined ? { intentMs } : {}),
    });

  it('shares one key between both sides', () => {
    expect(reader('k').redisKey).toBe(writer('k').redisKey);
  });

  it('admits many readers, and no writer while one reads', async () => {
    const redis = t.redis();
    const [r1, r2] = [reader('basic'), reader('basic')];
    expect(await r1.acquire(redis)).toBe(true);
    expect(await r2.acquire(redis)).toBe(true);
    const w = writer('basic');
    expect(await w.acquire(redis)).toBe(false);
    await r1.release(redis);
    expect(await w.acquire(redis)).toBe(false);
    await r2.release(redis);
    expect(await w.acquire(redis)).toBe(true);
    expect(await reader('basic').acquire(redis)).toBe(false);
    expect(await writer('basic').acquire(redis)).toBe(false);
    await w.release(redis);
    expect(await reader('basic').acquire(redis)).toBe(true);
  });

  it('releases idempotently and only its own lease', async () => {
    const redis = t.redis();
    const r1 = reader('idem');
    const r2 = reader('idem');
    expect(await r1.acquire(redis)).toBe(true);
    expect(await r2.acquire(redis)).toBe(true);
    await r1.release(redis);
    await r1.release(redis); // a second release must not drop r2's lease
    expect(await writer('idem').acquire(redis)).toBe(false);
    expect(await r2.extend(redis)).toBe(true);
    expect(await r1.extend(redis)).toBe(false);
    await r2.release(redis);
    const w = writer('idem');
    expect(await w.acquire(redis)).toBe(true);
    await reader('idem').release(redis); // a reader that never held it changes nothing
    expect(await w.extend(redis)).toBe(true);
    await w.release(redis);
  });

  it('reclaims a crashed reader after its TTL', async () => {
    const redis = t.redis();
    const crashed = reader('crash', 150);
    expect(await crashed.acquire(redis)).toBe(true);
    // never released: the process "crashed"
    const w = writer('crash');
    expect(await w.acquire(redis)).toBe(false);
    await sleep(250);
    expect(await w.acquire(redis)).toBe(true);
    expect(await crashed.extend(redis)).toBe(false);
    await w.release(redis);
  });

  it('frees an expired writer', async () => {
    const redis = t.redis();
    const w = writer('wexp', 150);
    expect(await w.acquire(redis)).toBe(true);
    expect(await reader('wexp').acquire(redis)).toBe(false);
    await sleep(250);
    expect(await reader('wexp').acquire(redis)).toBe(true);
    expect(await w.extend(redis)).toBe(false);
  });

  it('keeps a reader alive with extend', async () => {
    const redis = t.redis();
    const r = reader('ext', 300);
    expect(await r.acquire(redis)).toBe(true);
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      expect(await r.extend(redis)).toBe(true);
    }
    expect(await writer('ext').acquire(redis)).toBe(false);
    await r.release(redis);
  });

  it('prefers a waiting writer over new readers', async () => {
    const redis = t.redis();
    const r1 = reader('pref');
    expect(await r1.acquire(redis)).toBe(true);
    const w = writer('pref');
    const waiting = w.acquire(t.extra(), { waitMs: 20_000 });
    const { queue } = lockKeys(w.redisKey);
    await waitUntil(async () => (await lineLength(redis, queue)) === 1, 'writer in line');
    expect(await reader('pref').acquire(redis)).toBe(false); // blocked by the waiting writer
    const optOut = reader('pref', 30_000, false);
    expect(await optOut.acquire(redis)).toBe(true); // unless preference is off
    await r1.release(redis);
    expect(await w.inspect(redis)).toHaveLength(1);
    await optOut.release(redis); // the last reader leaves: the lock goes to the writer in line
    expect(await waiting).toBe(true);
    expect(w.fencingToken).toBeGreaterThan(0);
    expect((await w.inspect(redis)).map((h) => h.role)).toEqual(['writer']);
    await w.release(redis);
  });

  it('lets a non-waiting writer refused by readers keep new readers out until it gets in', async () => {
    const redis = t.redis();
    const r1 = reader('intent');
    expect(await r1.acquire(redis)).toBe(true);
    const w = writer('intent');
    expect(await w.acquire(redis)).toBe(false); // refused by a reader: its intent is registered
    const { intent } = lockKeys(w.redisKey);
    expect(await redis.command(['GET', intent], { key: intent })).toBe(w.ownerId);
    const pttl = Number(await redis.command(['PTTL', intent], { key: intent }));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(await reader('intent').acquire(redis)).toBe(false);
    const optOut = reader('intent', 30_000, false);
    expect(await optOut.acquire(redis)).toBe(true); // opted out of writer preference
    await r1.release(redis);
    await optOut.release(redis);
    expect(await w.acquire(redis)).toBe(true);
    expect(await redis.command(['EXISTS', intent], { key: intent })).toBe(0); // cleared on acquire
    await w.release(redis);
    expect(await reader('intent').acquire(redis)).toBe(true);
  });

  it('registers no intent when refused by another writer, or with intentMs 0', async () => {
    const redis = t.redis();
    const { intent } = lockKeys(writer('no-intent').redisKey);
    const holder = writer('no-intent');
    expect(await holder.acquire(redis)).toBe(true);
    expect(await writer('no-intent').acquire(redis)).toBe(false);
    expect(await redis.command(['EXISTS', intent], { key: intent })).toBe(0);
    await holder.release(redis);
    const r = reader('no-intent');
    expect(await r.acquire(redis)).toBe(true);
    expect(await writer('no-intent', 30_000, 0).acquire(redis)).toBe(false);
    expect(await redis.command(['EXISTS', intent], { key: intent })).toBe(0);
    expect(await reader('no-intent').acquire(redis)).toBe(true);
  });

  it('gives the writer strictly increasing fencing tokens', async () => {
    const redis = t.redis();
    let last = 0;
    for (let i = 0; i < 3; i++) {
      const w = writer('fence');
      expect(await w.acquire(redis)).toBe(true);
      expect(w.fencingToken).toBeGreaterThan(last);
      last = w.fencingToken ?? Infinity;
      await w.release(redis);
    }
  });
});
