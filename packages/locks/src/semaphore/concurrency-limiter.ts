import type { RedisAdapter, ScriptKeyList } from '@tasks/redis';
import { BaseLimiter } from '../base-lock.js';
import { readLeases, slotRole } from '../holders.js';
import type { LockKeys } from '../keys.js';
import { LEASE_EXTEND } from '../lua/lease-scripts.js';
import type { LockedObjectType } from '../object-types.js';
import type { Attempt, AttemptOptions, LockHolder, LockOptions } from '../types.js';
import { OWNER_HOST } from '../owner-id.js';
import { checkLimit, checkTtl } from '../validation.js';
import { handOverLocally } from '../waiting/hub.js';
import { SEMAPHORE_ACQUIRE, SEMAPHORE_CANCEL, SEMAPHORE_RELEASE } from './scripts.js';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions extends LockOptions {
  /** Per-holder lease in ms: a crashed holder's slot is reclaimed after it. Default 30 000. */
  readonly ttlMs?: number;
  /** Overrides the class default `ConcurrencyLimiter.limit`; `null` disables the limiter. */
  readonly limit?: number | null;
}

type SemaphoreKeys = ScriptKeyList<(typeof SEMAPHORE_ACQUIRE.keyNames)[number]>;

/** The scripts' key lists, per (shared) keys object: built once per key, not per lock object. */
const keyLists = new WeakMap<LockKeys, SemaphoreKeys>();

/**
 * A semaphore: at most `limit` holders at once, each with its own lease on a sorted set
 * `limiter:conc:<obj>:<key>[...]` (owner → expiry on the Redis server's clock). Expired
 * holders are dropped on every acquire; `extend()` really reports whether the slot was kept.
 * Waiting acquires (`waitMs`) form a line and each freed slot is handed to the first live
 * waiter; an acquire that does not wait never takes a slot while anybody waits.
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
  #hasMetadata = false;

  constructor(obj: LockedObjectType, key: string | number, options: ConcurrencyLimiterOptions = {}) {
    super('concurrency', obj, key, options);
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

  /** @internal */
  override get wakeChannel(): string {
    return this.keys.wake;
  }

  get #keyList(): SemaphoreKeys {
    let list = keyLists.get(this.keys);
    if (!list)
      keyLists.set(this.keys, (list = SEMAPHORE_ACQUIRE.keyList({ ...this.keys, slots: this.keys.main })));
    return list;
  }

  /** @internal */
  override async attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt> {
    if (options.metadata !== '') this.#hasMetadata = true;
    const { attempt, grants } = await SEMAPHORE_ACQUIRE.run(redis, this.#keyList, {
      owner: this.ownerId,
      ttlMs: this.#ttlMs,
      limit: this.limit ?? 0,
      placeMs: options.waitLeaseMs,
      metadata: options.metadata,
      channel: this.keys.wake,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
    return attempt;
  }

  override async release(redis: RedisAdapter): Promise<void> {
    if (!this.enabled) return;
    const { grants } = await SEMAPHORE_RELEASE.run(redis, this.#keyList, {
      owner: this.ownerId,
      limit: this.limit ?? 0,
      channel: this.keys.wake,
      dropMeta: this.#hasMetadata ? 1 : 0,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
  }

  override async extend(redis: RedisAdapter): Promise<boolean> {
    if (!this.enabled) return true;
    return LEASE_EXTEND.run(
      redis,
      { holders: this.keys.main, meta: this.keys.meta },
      { member: this.ownerId, owner: this.ownerId, ttlMs: this.#ttlMs, sign: 1 },
    );
  }

  /** @internal */
  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    const { held, grants } = await SEMAPHORE_CANCEL.run(redis, this.#keyList, {
      owner: this.ownerId,
      limit: this.limit ?? 0,
      channel: this.keys.wake,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
    return held;
  }

  override inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    return readLeases(redis, this.keys, slotRole);
  }
}
