import type { RedisAdapter } from '@tasks/redis';
import {
  BaseLimiter,
  checkTtl,
  parseAttempt,
  type Attempt,
  type LockHolder,
  type LockOptions,
} from './base-lock.js';
import { InvalidLockOptionsError } from './errors.js';
import { readLeases } from './inspect-helpers.js';
import type { LockedObjectType } from './object-types.js';
import { LEASE_EXTEND, LEASE_RELEASE, SEMAPHORE_ACQUIRE, WAIT_CANCEL } from './scripts.js';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions extends LockOptions {
  /** Per-holder lease in ms: a crashed holder's slot is reclaimed after it. Default 30 000. */
  readonly ttlMs?: number;
  /** Overrides the class default `ConcurrencyLimiter.limit`; `null` disables the limiter. */
  readonly limit?: number | null;
}

/** @internal */
export function checkLimit(name: string, value: number | null): number | null {
  if (value !== null && (!Number.isInteger(value) || value <= 0)) {
    throw new InvalidLockOptionsError(name, `must be a positive integer or null, got ${value}`);
  }
  return value;
}

/**
 * A semaphore: at most `limit` holders at once, each with its own lease on a sorted set
 * `limiter:conc:<obj>:<key>[...]` (owner -> expiry on the Redis server's clock). Expired
 * holders are pruned on every acquire; `extend()` really reports whether the slot was kept.
 *
 * `limit` is a class default (`static limit = null`, i.e. disabled: acquire returns true with
 * no Redis call), overridable by subclass, per instance, or by configuration.
 *
 * @example
 * ```ts
 * const slots = new ConcurrencyLimiter(LockedObjectType.TASK, 'Upload', { limit: 5 });
 * if (await slots.acquire(redis, { waitMs: 60_000 })) { try { await upload(); } finally { await slots.release(redis); } }
 * ```
 */
export class ConcurrencyLimiter extends BaseLimiter {
  /** Default maximum number of holders for this class; `null` disables it. */
  static limit: number | null = null;
  /** The effective limit of this instance. */
  readonly limit: number | null;
  readonly #ttlMs: number;

  constructor(obj: LockedObjectType, key: string | number, options: ConcurrencyLimiterOptions = {}) {
    super(['limiter', 'conc'], obj, key, options);
    this.#ttlMs = checkTtl(options.ttlMs);
    const classDefault = (this.constructor as typeof ConcurrencyLimiter).limit;
    this.limit = checkLimit('limit', options.limit !== undefined ? options.limit : classDefault);
  }

  override get enabled(): boolean {
    return this.limit !== null;
  }

  override get ttlMs(): number {
    return this.#ttlMs;
  }

  override async attempt(redis: RedisAdapter, waitLeaseMs: number, metadata: string): Promise<Attempt> {
    const keys = [this.redisKey, this.companion('waiters'), this.companion('meta')];
    const args = [this.ownerId, this.#ttlMs, this.limit ?? 0, waitLeaseMs, metadata];
    return parseAttempt(await redis.evalScript(SEMAPHORE_ACQUIRE, keys, args));
  }

  override async release(redis: RedisAdapter): Promise<void> {
    if (!this.enabled) return;
    const keys = [
      this.redisKey,
      this.companion('waiters'),
      this.companion('waiters'),
      this.companion('meta'),
    ];
    await redis.evalScript(LEASE_RELEASE, keys, [this.ownerId, this.ownerId, this.wakeChannel ?? '', 'one']);
  }

  override async extend(redis: RedisAdapter): Promise<boolean> {
    if (!this.enabled) return true;
    const keys = [this.redisKey, this.companion('meta')];
    return (await redis.evalScript(LEASE_EXTEND, keys, [this.ownerId, this.#ttlMs, 1])) === 1;
  }

  /** Semaphore releases wake one waiter by name (or everyone with '*'). */
  override wakes(message: string): boolean {
    return message === '*' || message === `wake:${this.ownerId}`;
  }

  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    await redis.evalScript(
      WAIT_CANCEL,
      [this.companion('waiters'), this.companion('waiters')],
      [this.ownerId],
    );
    return false;
  }

  override inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    return readLeases(redis, this.redisKey, this.companion('meta'), (member) => ({
      ownerId: member,
      role: 'slot',
    }));
  }
}
