// Reading who holds a lock, for `lock.inspect()` and `inspectLockKey()` alike: every reader
// takes the lock's keys from `lockKeys`, so both see the same keys under any prefix.
import type { RedisAdapter } from '@tasks/redis';
import type { LockKeys } from './keys.js';
import type { LockHolder, LockRole } from './types.js';

/** @internal Reads owner metadata (a HASH owner → JSON) for the given owners. */
export async function readMetadata(
  redis: RedisAdapter,
  metaKey: string,
  owners: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const result = new Map<string, Record<string, unknown>>();
  if (owners.length === 0) return result;
  const values = await redis.command(['HMGET', metaKey, ...owners], { key: metaKey });
  if (!Array.isArray(values)) return result;
  owners.forEach((owner, i) => {
    const raw = values[i];
    if (typeof raw !== 'string') return;
    try {
      result.set(owner, JSON.parse(raw) as Record<string, unknown>);
    } catch {
      // Not ours to judge: metadata that does not parse is shown as absent.
    }
  });
  return result;
}

/** @internal The holder of a mutex (none when free). */
export async function readMutexHolder(redis: RedisAdapter, keys: LockKeys): Promise<LockHolder[]> {
  const key = keys.main;
  const [owner, ttl, now] = await Promise.all([
    redis.command(['GET', key], { key }),
    redis.command(['PTTL', key], { key }),
    redis.time(),
  ]);
  if (typeof owner !== 'string' || typeof ttl !== 'number' || ttl < 0) return [];
  const metadata = await readMetadata(redis, keys.meta, [owner]);
  return [
    {
      ownerId: owner,
      role: 'owner',
      expiresAt: now + ttl,
      ttlMs: ttl,
      metadata: metadata.get(owner) ?? null,
    },
  ];
}

/** @internal How a lease ZSET member maps to a holder. */
export type LeaseRole = (member: string) => { readonly ownerId: string; readonly role: LockRole };

/** @internal RW lock members: `w:<owner>` is the writer, `r:<owner>` a reader. */
export const rwRole: LeaseRole = (member) => ({
  ownerId: member.slice(2),
  role: member.startsWith('w:') ? 'writer' : 'reader',
});

/** @internal Concurrency-limiter members are owner ids holding a slot. */
export const slotRole: LeaseRole = (member) => ({ ownerId: member, role: 'slot' });

/**
 * @internal Live holders of a lease ZSET (RW lock or concurrency limiter): member → expiry
 * (negative for the RW writer). Expired leases are left out.
 */
export async function readLeases(
  redis: RedisAdapter,
  keys: LockKeys,
  roleOf: LeaseRole,
): Promise<LockHolder[]> {
  const key = keys.main;
  const [flat, now] = await Promise.all([
    redis.command(['ZRANGE', key, 0, -1, 'WITHSCORES'], { key }),
    redis.time(),
  ]);
  const live: Array<{ ownerId: string; role: LockRole; expiresAt: number }> = [];
  const items = Array.isArray(flat) ? flat : [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const expiresAt = Math.abs(Number(items[i + 1]));
    if (expiresAt > now) live.push({ ...roleOf(String(items[i])), expiresAt });
  }
  const metadata = await readMetadata(
    redis,
    keys.meta,
    live.map((h) => h.ownerId),
  );
  return live.map((h) => ({ ...h, ttlMs: h.expiresAt - now, metadata: metadata.get(h.ownerId) ?? null }));
}

/**
 * @internal Units in a rate limiter's log: those of the current window, plus expired ones the
 * limiter has not dropped yet.
 */
export async function readRateUsage(redis: RedisAdapter, keys: LockKeys): Promise<number> {
  const [entries, extra] = await Promise.all([
    redis.command(['LLEN', keys.main], { key: keys.main }),
    redis.command(['GET', keys.units], { key: keys.units }),
  ]);
  return Number(entries) + Math.max(0, Number(extra ?? 0));
}
