import type { RedisAdapter } from '@tasks/redis';
import { BaseLimiter } from '../base-lock.js';
import { RateLimitExceededCapacityError } from '../errors.js';
import type { LockedObjectType } from '../object-types.js';
import type { Attempt, AttemptOptions, LockHolder, LockOptions } from '../types.js';
import { checkLimit, checkPositiveInteger, checkWindowSeconds } from '../validation.js';
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
 * more than `limit` units admitted within any window of `windowSeconds` (a log of admissions
 * on the Redis server's clock, one entry per admission whatever its `nItems` — unlike a fixed
 * window, which lets 2 × limit through at a boundary). A refused acquire sets `retryAfterMs` to
 * exactly when enough units leave the window. `release()` is a no-op: used quota is not given
 * back (except by `acquireAll` when another lock of its set fails).
 *
 * `limit` and `windowSeconds` are class defaults (`null` = disabled: acquire returns true with
 * no Redis call), overridable by subclass, per instance, or by configuration.
 * @throws InvalidLockOptionsError from the constructor for a bad option;
 *   RateLimitExceededCapacityError from `acquire` when `nItems > limit`.
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
  /** Whether the last acquire admitted units that `rollback` may still give back. */
  #refundable = false;
  readonly #windowMs: number;

  constructor(obj: LockedObjectType, key: string | number, options: RateLimiterOptions = {}) {
    super('rate', obj, key, options);
    const cls = this.constructor as typeof RateLimiter;
    this.limit = checkLimit('limit', options.limit !== undefined ? options.limit : cls.limit);
    this.windowSeconds = checkWindowSeconds(
      options.windowSeconds !== undefined ? options.windowSeconds : cls.windowSeconds,
    );
    this.#windowMs = Math.max(1, Math.round((this.windowSeconds ?? 0) * 1000));
    this.nItems = checkPositiveInteger('nItems', options.nItems ?? 1);
  }

  override get enabled(): boolean {
    return this.limit !== null && this.windowSeconds !== null;
  }

  override get leased(): boolean {
    return false;
  }

  /** After every other lock of an `acquireAll` set: quota is spent only once they are held. */
  override get acquisitionRank(): number {
    return 1;
  }

  override get ttlMs(): null {
    return null;
  }

  /** @internal Rate limiters have no line: a waiting acquire retries when `retryAfterMs` says. */
  override get wakeChannel(): null {
    return null;
  }

  /** @internal */
  override async attempt(redis: RedisAdapter, _options: AttemptOptions): Promise<Attempt> {
    const limit = this.limit ?? 0;
    if (this.nItems > limit) throw new RateLimitExceededCapacityError(this.redisKey, this.nItems, limit);
    const { main: log, units } = this.keys;
    const decision = await RATE_ACQUIRE.run(
      redis,
      { log, units },
      { windowMs: this.#windowMs, limit, n: this.nItems },
    );
    this.#refundable = decision.admitted;
    if (!decision.admitted)
      return { acquired: false, token: null, retryAfterMs: decision.retryAfterMs, lineBusy: false };
    this.lastAdmittedAt = decision.at;
    return { acquired: true, token: null, retryAfterMs: null, lineBusy: false };
  }

  /** Used quota is never returned: a no-op. */
  override async release(_redis: RedisAdapter): Promise<void> {}

  /** Always false: a rate limiter holds no lease. */
  override async extend(_redis: RedisAdapter): Promise<boolean> {
    return false;
  }

  /**
   * Gives back the units of the last successful acquire (used by `acquireAll` when another
   * lock of the set fails after this one was taken). Does nothing the second time.
   */
  override async rollback(redis: RedisAdapter): Promise<void> {
    if (!this.#refundable || this.lastAdmittedAt === null) return;
    this.#refundable = false;
    const { main: log, units } = this.keys;
    await RATE_REFUND.run(redis, { log, units }, { at: String(this.lastAdmittedAt), n: this.nItems });
  }

  /** Rate limiters have no holders: always an empty list (see `inspectLockKey` for usage). */
  override async inspect(_redis: RedisAdapter): Promise<LockHolder[]> {
    return [];
  }
}
