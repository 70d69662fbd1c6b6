// The one place that knows a lock's Redis keys: the main key of each kind, built from the
// reference pattern, and every companion key derived from it. Lock classes, inspection and
// tests all go through here.
import { hashTag, joinKey, withPrefix } from '@tasks/redis';

/** What kind of lock a key holds. */
export type LockKind = 'mutex' | 'rw' | 'concurrency' | 'rate';

/** The leading segments of each kind's main key (after the prefix, if any). */
const KIND_SEGMENTS: Readonly<Record<LockKind, readonly [string, string]>> = Object.freeze({
  mutex: ['lock', 'mutex'],
  rw: ['lock', 'rw'],
  concurrency: ['limiter', 'conc'],
  rate: ['limiter', 'rate'],
});

const MARKERS: ReadonlyArray<readonly [string, LockKind]> = Object.entries(KIND_SEGMENTS).map(
  ([kind, segments]) => [`${segments.join(':')}:`, kind as LockKind] as const,
);

/**
 * Every key a lock uses besides its main key, all in the main key's cluster slot. Not every
 * kind uses every key; each is created only when needed and expires with what it describes
 * (the fence counter lives max(2 × ttl, 60 s) from its start).
 */
export interface LockKeys {
  /** The main key: the mutex's owner, the RW lock's and semaphore's leases, the rate log. */
  readonly main: string;
  /** Fencing-token counter (mutex, RW writer). */
  readonly fence: string;
  /** The line of waiters (ZSET owner → arrival order): mutex, semaphore, RW writers. */
  readonly queue: string;
  /** Waiters' places (HASH owner → "expiry:ttl:metadata"), for every line of the lock. */
  readonly leases: string;
  /** The line of waiting readers of an RW lock. */
  readonly readers: string;
  /** A refused non-waiting writer's intent (STRING owner, short TTL): blocks new readers. */
  readonly intent: string;
  /** Owner metadata (HASH owner → JSON). */
  readonly meta: string;
  /** Rate limiter: units admitted beyond one per log entry (multi-unit admissions). */
  readonly units: string;
  /** The pub/sub channel hand-offs are published on. */
  readonly wake: string;
}

/**
 * The main key of a lock: `[<prefix>:]<kind segments>:<obj>:<key>[:<extra>...]`, each segment
 * escaped so that `('a:b')` and `('a', 'b')` never collide.
 * @throws RedisConfigError when the prefix has an unbalanced `}`.
 *
 * @example
 * ```ts
 * lockRedisKey('mutex', 'transformation', 123, ['extra']); // 'lock:mutex:transformation:123:extra'
 * lockRedisKey('rw', 'job', 7, [], '{app}');              // '{app}:lock:rw:job:7'
 * ```
 */
export function lockRedisKey(
  kind: LockKind,
  obj: string,
  key: string | number,
  extraKeys: ReadonlyArray<string | number> = [],
  prefix = '',
): string {
  const [family, name] = KIND_SEGMENTS[kind];
  return withPrefix(prefix, joinKey(family, name, obj, key, ...extraKeys));
}

/**
 * The companion keys of the lock whose main key is `redisKey`, all in its cluster slot.
 * A companion always ends with `}` (`{lock:mutex:job:1}:{fence}`, or `{app}:lock:mutex:job:1:{fence}`
 * under a hash-tagged prefix) and a main key never does (segments escape braces), so the two
 * never collide, whatever the prefix and the key segments.
 *
 * @example
 * ```ts
 * lockKeys('lock:mutex:job:42').fence;       // '{lock:mutex:job:42}:{fence}'
 * lockKeys('{app}:lock:mutex:job:42').fence; // '{app}:lock:mutex:job:42:{fence}'
 * ```
 */
export function lockKeys(redisKey: string): LockKeys {
  let keys = recentKeys.get(redisKey);
  if (keys) return keys;
  if (recentKeys.size >= RECENT_KEYS_MAX) recentKeys.clear();
  recentKeys.set(redisKey, (keys = deriveKeys(redisKey)));
  return keys;
}

/**
 * The companion keys of recently built locks, by main key: a lock object made per operation
 * on the same key (the usual pattern) then builds none of them again. Bounded: cleared when
 * full.
 */
const recentKeys = new Map<string, LockKeys>();
const RECENT_KEYS_MAX = 1024;

function deriveKeys(redisKey: string): LockKeys {
  const base = hashTag(redisKey) === null ? `{${redisKey}}:` : `${redisKey}:`;
  return Object.freeze({
    main: redisKey,
    fence: `${base}{fence}`,
    queue: `${base}{queue}`,
    leases: `${base}{leases}`,
    readers: `${base}{readers}`,
    intent: `${base}{intent}`,
    meta: `${base}{meta}`,
    units: `${base}{units}`,
    wake: `${base}{wake}`,
  });
}

/**
 * The kind of lock whose main key is `key` (by its documented pattern, under any prefix,
 * hash-tagged or not), or null for a companion key or any other key.
 *
 * @example
 * ```ts
 * lockKindOf('{app}:lock:mutex:job:1');      // 'mutex'
 * lockKindOf('{lock:mutex:job:1}:{fence}');  // null (a companion)
 * ```
 */
export function lockKindOf(key: string): LockKind | null {
  if (key.endsWith('}')) return null;
  let best: LockKind | null = null;
  let at = Infinity;
  for (const [marker, kind] of MARKERS) {
    const index = key.startsWith(marker) ? 0 : key.indexOf(`:${marker}`);
    if (index >= 0 && index < at) {
      at = index;
      best = kind;
    }
  }
  return best;
}
