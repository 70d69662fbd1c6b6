import { describe, expect, it } from 'vitest';
import { ExclusiveRWLock, LockedObjectType, SharedRWLock } from '../src/index.js';
import { sleep, targets, useTarget } from './targets.js';

const { TRANSFORMATION } = LockedObjectType;

describe.each(targets())('readers-writer lock on $name', (target) => {
  const t = useTarget(target, 'rw');
  const reader = (key: string, ttlMs = 30_000, preferWriters = true): SharedRWLock =>
    new SharedRWLock(TRANSFORMATION, key, { prefix: t.prefix, ttlMs, preferWriters });
  const writer = (key: string, ttlMs = 30_000): ExclusiveRWLock =>
    new ExclusiveRWLock(TRANSFORMATION, key, { prefix: t.prefix, ttlMs });

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
    const waiting = w.acquire(t.extra(), { waitMs: 10_000 });
    const writersKey = `{${w.redisKey}}:writers`;
    const deadline = Date.now() + 10_000;
    while (
      Number(await redis.command(['ZCARD', writersKey], { key: writersKey })) < 1 &&
      Date.now() < deadline
    )
      await sleep(10);
    expect(await reader('pref').acquire(redis)).toBe(false); // blocked by the waiting writer
    expect(await reader('pref', 30_000, false).acquire(redis)).toBe(true); // unless preference is off
    await r1.release(redis);
    const holders = await w.inspect(redis);
    expect(holders.filter((h) => h.role === 'reader')).toHaveLength(1);
    // release the non-preferring reader too, then the writer gets in
    for (const h of holders) {
      if (h.role === 'reader')
        await redis.command(['ZREM', w.redisKey, `r:${h.ownerId}`], { key: w.redisKey });
    }
    await redis.publish(w.wakeChannel ?? '', '*');
    expect(await waiting).toBe(true);
    expect(w.fencingToken).toBeGreaterThan(0);
    await w.release(redis);
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
