import type { RedisAdapter } from '@tasks/redis';
import type { LockHolder } from './base-lock.js';
import { readLeases, readMetadata } from './inspect-helpers.js';

/** What kind of lock a key holds. */
export type LockKind = 'mutex' | 'rw' | 'concurrency' | 'rate';

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

const KINDS: ReadonlyArray<[string, LockKind]> = [
  ['lock:mutex:', 'mutex'],
  ['lock:rw:', 'rw'],
  ['limiter:conc:', 'concurrency'],
  ['limiter:rate:', 'rate'],
];

/** The kind of lock a Redis key belongs to (by its documented pattern), or null. */
export function lockKindOf(key: string): LockKind | null {
  if (key.startsWith('{')) return null; // a companion key ({<lock key>}:suffix)
  for (const [marker, kind] of KINDS) {
    if (key.startsWith(marker) || key.includes(`:${marker}`)) return kind;
  }
  return null;
}

/**
 * Holders of the lock stored at `key` (any kind), read with the server's clock.
 * @returns null when the key is not a lock key.
 */
export async function inspectLockKey(redis: RedisAdapter, key: string): Promise<LockInfo | null> {
  const kind = lockKindOf(key);
  if (!kind) return null;
  const meta = `{${key}}:meta`;
  if (kind === 'mutex') {
    const [owner, ttl, now] = await Promise.all([
      redis.command(['GET', key], { key }),
      redis.command(['PTTL', key], { key }),
      redis.time(),
    ]);
    if (typeof owner !== 'string' || typeof ttl !== 'number' || ttl < 0) return { key, kind, holders: [] };
    const metadata = await readMetadata(redis, meta, [owner]);
    return {
      key,
      kind,
      holders: [
        {
          ownerId: owner,
          role: 'owner',
          expiresAt: now + ttl,
          ttlMs: ttl,
          metadata: metadata.get(owner) ?? null,
        },
      ],
    };
  }
  if (kind === 'rate') {
    const used = Number(await redis.command(['LLEN', key], { key }));
    return { key, kind, holders: [], used };
  }
  const holders = await readLeases(redis, key, meta, (member) =>
    kind === 'rw'
      ? { ownerId: member.slice(2), role: member.startsWith('w:') ? 'writer' : 'reader' }
      : { ownerId: member, role: 'slot' },
  );
  return { key, kind, holders };
}

/**
 * Every lock whose key matches the glob `pattern` (default: all), with its holders — what
 * the `tasks locks` command shows. Scans every master of a cluster.
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
