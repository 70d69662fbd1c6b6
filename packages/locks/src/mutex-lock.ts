import type { RedisAdapter, RedisReply } from '@tasks/redis';
import {
  BaseLock,
  checkTtl,
  parseAttempt,
  type Attempt,
  type LockHolder,
  type LockOptions,
} from './base-lock.js';
import { readMetadata } from './inspect-helpers.js';
import { handOverLocally } from './waiting.js';
import type { LockedObjectType } from './object-types.js';
import {
  MUTEX_ACQUIRE,
  MUTEX_CANCEL,
  MUTEX_EXTEND,
  MUTEX_RELEASE,
  MUTEX_RELEASE_UNQUEUED,
  MUTEX_TRY,
} from './scripts.js';

/** Options of {@link MutexLock}. */
export interface MutexLockOptions extends LockOptions {
  /** Lease length in ms: the lock frees itself this long after the last acquire/extend. Default 30 000. */
  readonly ttlMs?: number;
}

/**
 * Mutual exclusion: at most one owner at a time. Key `lock:mutex:<obj>:<key>[:<extra>...]`
 * (a string holding the owner id, with a TTL as a crash safety net).
 *
 * - Every successful acquire sets {@link MutexLock.fencingToken}, strictly increasing per key
 *   across owners and expiries, so a downstream store can reject a stale holder's writes.
 * - Waiting acquires (`waitMs`) queue up and the releaser hands the lock straight to the first
 *   live waiter (announced by pub/sub): no barging, bounded waits.
 *
 * @example
 * ```ts
 * const lock = new MutexLock(LockedObjectType.JOB, 42, { ttlMs: 10_000 });
 * if (await lock.acquire(redis, { waitMs: 5_000 })) {
 *   try { await work(lock.fencingToken); } finally { await lock.release(redis); }
 * }
 * ```
 */
export class MutexLock extends BaseLock {
  /** The fencing token of the last successful acquire, or `null`. */
  fencingToken: number | null = null;
  readonly #ttlMs: number;
  readonly #keys: readonly string[];
  readonly #tryKeys: readonly string[];
  readonly #releaseKeys: readonly string[];
  /** Whether an acquire of this instance stored owner metadata (release then drops it). */
  #hasMetadata = false;
  /**
   * Whether this instance last went through the queue-aware path (somebody was queued, or it
   * waited): its release then hands over in one call instead of trying the fast path first.
   */
  #contended = false;

  constructor(obj: LockedObjectType, key: string | number, options: MutexLockOptions = {}) {
    super(['lock', 'mutex'], obj, key, options);
    this.#ttlMs = checkTtl(options.ttlMs);
    const queue = this.companion('queue');
    this.#tryKeys = [this.redisKey, this.companion('fence'), queue];
    this.#releaseKeys = [this.redisKey, queue];
    this.#keys = [...this.#tryKeys, this.companion('leases'), this.companion('meta')];
  }

  override get ttlMs(): number {
    return this.#ttlMs;
  }

  override async attempt(
    redis: RedisAdapter,
    waitLeaseMs: number,
    metadata: string,
    willWait = false,
  ): Promise<Attempt> {
    if (waitLeaseMs === 0 && metadata === '') {
      const reply = await redis.evalScript(MUTEX_TRY, this.#tryKeys, [this.ownerId, this.#ttlMs]);
      if ((reply as number[])[0] !== -1) {
        this.#contended = false;
        return this.#settle(reply);
      }
      // Somebody is queued: a waiting caller joins the line next (the queue-aware script),
      // so a second, non-queuing try here would only cost a round trip.
      if (willWait) {
        this.#contended = true;
        return { acquired: false, token: null, retryAfterMs: null };
      }
    }
    this.#contended = true;
    if (metadata !== '') this.#hasMetadata = true;
    const reply = await redis.evalScript(MUTEX_ACQUIRE, this.#keys, [
      this.ownerId,
      this.#ttlMs,
      waitLeaseMs,
      metadata,
    ]);
    return this.#settle(reply);
  }

  #settle(reply: RedisReply): Attempt {
    const attempt = parseAttempt(reply);
    if (attempt.acquired) this.fencingToken = attempt.token;
    return attempt;
  }

  override handoff(message: string): boolean {
    const bar = message.indexOf('|');
    if (bar < 0 || message.slice(0, bar) !== this.ownerId) return false;
    this.fencingToken = Number(message.slice(bar + 1));
    return true;
  }

  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    const keys = [this.redisKey, this.companion('queue'), this.companion('leases')];
    return (await redis.evalScript(MUTEX_CANCEL, keys, [this.ownerId, this.wakeChannel])) === 1;
  }

  override async release(redis: RedisAdapter): Promise<void> {
    if (!this.#hasMetadata && !this.#contended) {
      const reply = await redis.evalScript(MUTEX_RELEASE_UNQUEUED, this.#releaseKeys, [this.ownerId]);
      if (reply !== -1) return;
    }
    const reply = await redis.evalScript(MUTEX_RELEASE, this.#keys, [
      this.ownerId,
      this.wakeChannel,
      this.#hasMetadata ? '1' : '0',
    ]);
    if (typeof reply === 'string') handOverLocally(this.wakeChannel, reply);
  }

  override async extend(redis: RedisAdapter): Promise<boolean> {
    const keys = [this.redisKey, this.companion('meta')];
    return (await redis.evalScript(MUTEX_EXTEND, keys, [this.ownerId, this.#ttlMs])) === 1;
  }

  override async inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    const [owner, ttl, now] = await Promise.all([
      redis.command(['GET', this.redisKey], { key: this.redisKey }),
      redis.command(['PTTL', this.redisKey], { key: this.redisKey }),
      redis.time(),
    ]);
    if (typeof owner !== 'string' || typeof ttl !== 'number' || ttl < 0) return [];
    const metadata = await readMetadata(redis, this.companion('meta'), [owner]);
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

  override get wakeChannel(): string {
    return this.companion('wake');
  }
}
