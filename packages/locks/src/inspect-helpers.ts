import type { RedisAdapter } from '@tasks/redis';
import type { LockHolder } from './base-lock.js';

/** Reads owner metadata (a HASH owner -> JSON) for the given owners. */
export async function readMetadata(
  redis: RedisAdapter,
  metaKey: string,
  owners: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const result = new Map<string, Record<string, unknown>>();
  if (owners.length === 0) return result;
  const values = (await redis.command(['HMGET', metaKey, ...owners], { key: metaKey })) as Array<
    string | null
  >;
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

/**
 * Holders of a lease ZSET (RW lock or concurrency limiter): member -> expiry (negative for the
 * RW writer). Expired leases are left out.
 */
export async function readLeases(
  redis: RedisAdapter,
  key: string,
  metaKey: string,
  roleOf: (member: string, score: number) => { ownerId: string; role: LockHolder['role'] },
): Promise<LockHolder[]> {
  const [flat, now] = await Promise.all([
    redis.command(['ZRANGE', key, 0, -1, 'WITHSCORES'], { key }) as Promise<string[]>,
    redis.time(),
  ]);
  const live: Array<{ ownerId: string; role: LockHolder['role']; expiresAt: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = String(flat[i]);
    const score = Number(flat[i + 1]);
    const expiresAt = Math.abs(score);
    if (expiresAt > now) live.push({ ...roleOf(member, score), expiresAt });
  }
  const metadata = await readMetadata(
    redis,
    metaKey,
    live.map((h) => h.ownerId),
  );
  return live.map((h) => ({ ...h, ttlMs: h.expiresAt - now, metadata: metadata.get(h.ownerId) ?? null }));
}
