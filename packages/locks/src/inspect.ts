// Inspection of lock keys found in Redis, for `tasks locks` and friends: the kind comes from
// the key's documented pattern and every companion key from `lockKeys`, so it works under any
// prefix, hash-tagged or not.
import type { RedisAdapter } from '@tasks/redis';
import { readLeases, readMutexHolder, readRateUsage, rwRole, slotRole } from './holders.js';
import { lockKeys, lockKindOf, type LockKind } from './keys.js';
import type { LockHolder } from './types.js';

/** A lock key found in Redis, with its holders. */
export interface LockInfo {
  readonly key: string;
  readonly kind: LockKind;
  readonly holders: readonly LockHolder[];
  /**
   * Rate limiters: units in the log — those of the current window, plus expired ones the
   * limiter has not dropped yet (it drops them every 32 admissions and whenever it looks full).
   */
  readonly used?: number;
}

/**
 * Holders of the lock whose main key is `key` (any kind, any prefix), read with the server's
 * clock.
 * @returns null when `key` is not a lock's main key (a companion key, or no lock at all).
 * @throws RedisAdapterError on Redis failures.
 *
 * @example
 * ```ts
 * const info = await inspectLockKey(redis, '{app}:lock:mutex:job:42');
 * console.log(info?.holders[0]?.ownerId, info?.holders[0]?.ttlMs);
 * ```
 */
export async function inspectLockKey(redis: RedisAdapter, key: string): Promise<LockInfo | null> {
  const kind = lockKindOf(key);
  if (!kind) return null;
  const keys = lockKeys(key);
  switch (kind) {
    case 'mutex':
      return { key, kind, holders: await readMutexHolder(redis, keys) };
    case 'rate':
      return { key, kind, holders: [], used: await readRateUsage(redis, keys) };
    case 'rw':
      return { key, kind, holders: await readLeases(redis, keys, rwRole) };
    case 'concurrency':
      return { key, kind, holders: await readLeases(redis, keys, slotRole) };
  }
}

/**
 * Every lock whose main key matches the glob `pattern` (default: all), with its holders — what
 * the `tasks locks` command shows. Scans every master of a cluster; companion keys are left out.
 * @throws RedisAdapterError on Redis failures.
 *
 * @example
 * ```ts
 * for (const lock of await listLocks(redis, '*job*')) console.log(lock.key, lock.holders);
 * ```
 */
export async function listLocks(redis: RedisAdapter, pattern = '*'): Promise<LockInfo[]> {
  const keys = new Set<string>();
  for await (const key of redis.scan(pattern)) if (lockKindOf(key)) keys.add(key);
  const infos = await Promise.all([...keys].sort().map((key) => inspectLockKey(redis, key)));
  return infos.filter((info): info is LockInfo => info !== null);
}
