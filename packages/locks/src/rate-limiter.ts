import type { RedisAdapter } from '@tasks/redis';
import { BaseLimiter, parseAttempt, type Attempt, type LockHolder, type LockOptions } from './base-lock.js';
import { checkLimit } from './concurrency-limiter.js';
import { InvalidLockOptionsError, RateLimitExceededCapacityError } from './errors.js';
import type { LockedObjectType } from './object-types.js';
import { RATE_ACQUIRE, RATE_REFUND } from './scripts.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions extends LockOptions {
  /** Units consumed per acquire. Default 1. */
  readonly nItems?: number;
  /** Overrides the class default `RateLimiter.limit` (units per window); `null` disables. */
  readonly limit?: number | null;
  /** Overrides the class default `RateLimiter.windowSeconds`; `null` disables. */
  readonly windowSeconds?: number | null;
}

/**
 * A true sliding-window rate limiter on `limiter:rate:<obj>:<key>[...]`: at no instant are
 * more than `limit` units admitted within any window of `windowSeconds` (a log of
 * admissions on the Redis server's clock: a LIST of admission times, one per unit — the original's fixed window let 2 × limit through
 * at a boundary). A refused acquire sets `retryAfterMs` to exactly when enough units leave
 * the window. `release()` is a no-op: used quota is not given back.
 *
 * `limit` and `windowSeconds` are class defaults (`null` = disabled: acquire returns true with
 * no Redis call), overridable by subclass, per instance, or by configuration.
 * @throws RateLimitExceededCapacityError from `acquire` when `nItems > limit`.
 *
 * @example
 * ```ts
 * class ApiCalls extends RateLimiter { static override limit = 100; static override windowSeconds = 60; }
 * const rl = new ApiCalls(LockedObjectType.TASK, 'sync');
 * if (!(await rl.acquire(redis))) console.log(`retry in ${rl.retryAfterMs} ms`);
 * ```
 */
export class RateLimiter extends BaseLimiter {
  /** Default units per window for this class; `null` disables it. */
  static limit: number | null = null;
  /** Default window length in seconds for this class; `null` disables it. */
  static windowSeconds: number | null = null;
  /** The effective limit of this instance. */
  readonly limit: number | null;
  /** The effective window of this instance, in seconds. */
  readonly windowSeconds: number | null;
  /** Units consumed per acquire. */
  readonly nItems: number;
  /** Server time (ms) of the last admission by this instance, or `null`. */
  lastAdmittedAt: number | null = null;
  /** Whether the last acquire admitted units that `refund` may still give back. */
  #refundable = false;
  readonly #keys: readonly string[];

  constructor(obj: LockedObjectType, key: string | number, options: RateLimiterOptions = {}) {
    super(['limiter', 'rate'], obj, key, options);
    this.#keys = [this.redisKey];
    const cls = this.constructor as typeof RateLimiter;
    this.limit = checkLimit('limit', options.limit !== undefined ? options.limit : cls.limit);
    const window = options.windowSeconds !== undefined ? options.windowSeconds : cls.windowSeconds;
    if (window !== null && (!Number.isFinite(window) || window <= 0)) {
      throw new InvalidLockOptionsError('windowSeconds', `must be a positive number or null, got ${window}`);
    }
    this.windowSeconds = window;
    this.nItems = options.nItems ?? 1;
    if (!Number.isInteger(this.nItems) || this.nItems <= 0) {
      throw new InvalidLockOptionsError('nItems', `must be a positive integer, got ${this.nItems}`);
    }
  }

  override get enabled(): boolean {
    return this.limit !== null && this.windowSeconds !== null;
  }

  override get leased(): boolean {
    return false;
  }

  override get ttlMs(): null {
    return null;
  }

  override get wakeChannel(): null {
    return null;
  }

  override async attempt(redis: RedisAdapter, _waitLeaseMs: number, _metadata: string): Promise<Attempt> {
    const limit = this.limit ?? 0;
    if (this.nItems > limit) throw new RateLimitExceededCapacityError(this.redisKey, this.nItems, limit);
    const windowMs = Math.round((this.windowSeconds ?? 0) * 1000);
    const reply = await redis.evalScript(RATE_ACQUIRE, this.#keys, [windowMs, limit, this.nItems]);
    const attempt = parseAttempt(reply);
    this.#refundable = attempt.acquired;
    if (attempt.acquired) this.lastAdmittedAt = Number((reply as number[])[2]);
    return attempt;
  }

  /** Used quota is never returned: a no-op. */
  override async release(_redis: RedisAdapter): Promise<void> {}

  /**
   * @internal Gives back the units of the last successful acquire (used by `acquireAll`
   * when another lock of the set fails after this one was taken).
   */
  async refund(redis: RedisAdapter): Promise<void> {
    if (!this.#refundable || this.lastAdmittedAt === null) return;
    this.#refundable = false;
    await redis.evalScript(RATE_REFUND, this.#keys, [this.lastAdmittedAt, this.nItems]);
  }

  /** Rate limiters have no holders: always an empty list. */
  override async inspect(_redis: RedisAdapter): Promise<LockHolder[]> {
    return [];
  }
}
