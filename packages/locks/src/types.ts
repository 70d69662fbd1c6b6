// The shared types of the package: what callers pass and get back, and the two small
// contracts the lower layers are written against (Waitable for waiting, LockLike for
// acquireAll and the watchdog), so those layers never import a lock class.
import type { RedisAdapter } from '@tasks/redis';

/** Options shared by every lock and limiter constructor. */
export interface LockOptions {
  /** More key segments after `key` (e.g. a VO name). Each is escaped. */
  readonly extraKeys?: ReadonlyArray<string | number>;
  /**
   * A key prefix put in front of the reference key (`<prefix>:lock:mutex:...`). Default none.
   * It may carry a cluster hash tag (`'{app}'`): every key of the lock then lives in its slot.
   */
  readonly prefix?: string;
}

/** Owner metadata shown by inspection (worker, task id, host, ...). */
export type LockMetadata = Readonly<Record<string, string | number | boolean>>;

/** Options of `acquire`. */
export interface AcquireOptions {
  /**
   * Wait up to this many ms for the lock: the caller joins the lock's line and is handed the
   * lock (or slot) in arrival order, notified by pub/sub. Default 0: one attempt.
   */
  readonly waitMs?: number;
  /** Aborting it stops waiting: `acquire` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Owner metadata (worker, task id, host, ...) shown by `inspect()` and `listLocks()`. */
  readonly metadata?: LockMetadata;
  /**
   * Record a `lock.acquire <kind>` span and the lock metrics through `@opentelemetry/api`,
   * when it is installed (nothing is recorded until an SDK is registered). Default true.
   */
  readonly telemetry?: boolean;
}

/** The role a holder plays in its lock. */
export type LockRole = 'owner' | 'writer' | 'reader' | 'slot';

/** One holder of a lock, as `inspect()` reports it. */
export interface LockHolder {
  readonly ownerId: string;
  /** `'owner'` (mutex), `'writer'`, `'reader'` or `'slot'` (concurrency limiter). */
  readonly role: LockRole;
  /** When the lease ends, in ms since the epoch (server clock). */
  readonly expiresAt: number;
  /** Milliseconds left on the lease. */
  readonly ttlMs: number;
  readonly metadata: Record<string, unknown> | null;
}

/** @internal The outcome of one atomic acquire attempt. */
export interface Attempt {
  readonly acquired: boolean;
  /** The fencing token when acquired (mutex, writer), else `null`. */
  readonly token: number | null;
  /** After a refusal: ms until it may succeed, when known. */
  readonly retryAfterMs: number | null;
  /**
   * After a refusal: others already wait in the lock's line, so a waiting caller should join
   * it at once rather than try again outside it.
   */
  readonly lineBusy: boolean;
}

/** @internal How an attempt is made. */
export interface AttemptOptions {
  /** Join (or stay in) the line with a place that lasts this long; 0 = do not join. */
  readonly waitLeaseMs: number;
  /** Owner metadata as JSON, or `''`. */
  readonly metadata: string;
}

/** @internal What the waiting layer needs from a lock. */
export interface Waitable {
  readonly ownerId: string;
  /** The pub/sub channel hand-offs are announced on, or null when the lock only polls. */
  readonly wakeChannel: string | null;
  /** After a refusal: ms until it may succeed, or null. Set by every attempt. */
  retryAfterMs: number | null;
  attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt>;
  /** Leaves the line; resolves true if the lock was meanwhile handed to this owner. */
  cancelWait(redis: RedisAdapter): Promise<boolean>;
  release(redis: RedisAdapter): Promise<void>;
  /** A hand-off message (`owner|token`) for this owner: records the token, returns true. */
  receive(message: string): boolean;
}

/**
 * What `acquireAll`, `releaseAll` and the watchdog need from a lock: every lock and limiter
 * of this package is one. Written as an interface so that those functions depend on no lock
 * class (and a lock class can use them).
 */
export interface LockLike {
  readonly redisKey: string;
  readonly ownerId: string;
  /** False for a disabled limiter: it is then skipped without any Redis call. */
  readonly enabled: boolean;
  /** True for the limiters (`RateLimiter`, `ConcurrencyLimiter`), which interactive runs skip. */
  readonly isLimiter: boolean;
  /** True when the lock holds a lease that a watchdog must extend. */
  readonly leased: boolean;
  /** Lease length in ms, or null for a lock without a lease. */
  readonly ttlMs: number | null;
  /**
   * Where `acquireAll` takes it: lower ranks first, then by `redisKey`. Structural locks and
   * the concurrency limiter are rank 0; the rate limiter is rank 1, so quota is spent only
   * once everything else is held.
   */
  readonly acquisitionRank: number;
  /** After a refused acquire: ms until it may succeed, or null when unknown. */
  readonly retryAfterMs: number | null;
  acquire(redis: RedisAdapter, options?: AcquireOptions): Promise<boolean>;
  release(redis: RedisAdapter): Promise<void>;
  /**
   * Undoes the last acquire of an all-or-nothing set that failed: a release, except that a
   * rate limiter gives its quota back.
   */
  rollback(redis: RedisAdapter): Promise<void>;
  extend(redis: RedisAdapter): Promise<boolean>;
}
