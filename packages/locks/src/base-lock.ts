// The common base of every lock and limiter: scope, keys, owner id, and the acquire flow
// (one attempt, or waiting in line); each lock kind supplies its scripts.
import type { RedisAdapter } from '@tasks/redis';
import type { AcquireAllOutcome } from './acquire-all.js';
import { holdLocks, type HeldLocks, type HoldOptions } from './hold/hold.js';
import { lockKeys, lockRedisKey, type LockKeys, type LockKind } from './keys.js';
import { lockedObjectType, type LockedObjectType } from './object-types.js';
import { randomOwnerId } from './owner-id.js';
import type { AcquireOptions, Attempt, AttemptOptions, LockHolder, LockLike, LockOptions } from './types.js';
import { lockTelemetry, tracedAcquire } from './telemetry.js';
import { checkWaitMs } from './validation.js';
import { acquireWaiting, settle } from './waiting/wait.js';

/**
 * What `acquireAll` reports: `{ acquired: true, held }` or
 * `{ acquired: false, blockedBy, retryAfterMs }`; by default for this package's locks.
 */
export type AcquireAllResult<L extends LockLike = BaseLock> = AcquireAllOutcome<L>;

/** How a lock class is constructed: what {@link BaseLock.withPrefix} calls. */
type LockConstructor<T> = new (obj: LockedObjectType, key: string | number, options: LockOptions) => T;

/**
 * The common base of every lock and limiter: scope `(obj, key, ...extraKeys)`, a random
 * owner id per instance, and the Redis key built from the reference pattern.
 *
 * Every operation is one Lua script computed with the Redis server's clock; release and
 * extend check ownership atomically.
 */
export abstract class BaseLock implements LockLike {
  /** The type of object locked. */
  readonly obj: LockedObjectType;
  /** The object's identifier. */
  readonly key: string | number;
  /** Extra key segments. */
  readonly extraKeys: ReadonlyArray<string | number>;
  /** The kind of lock (`'mutex'`, `'rw'`, `'concurrency'`, `'rate'`). */
  readonly kind: LockKind;
  /** The key prefix given at construction (`''` when none). */
  readonly prefix: string;
  /** The Redis key, e.g. `lock:mutex:job:42:lhcb` (with the prefix in front, if any). */
  readonly redisKey: string;
  /** Every key of this lock, derived from `redisKey` in one place (see `lockKeys`). */
  protected readonly keys: LockKeys;
  /**
   * After a refused acquire: ms until it may succeed (the limiter's window or the holder's
   * lease), or `null` when unknown.
   */
  retryAfterMs: number | null = null;
  readonly #options: LockOptions;
  #ownerId: string | undefined;

  constructor(kind: LockKind, obj: LockedObjectType, key: string | number, options: LockOptions = {}) {
    this.obj = lockedObjectType(obj);
    this.kind = kind;
    this.key = key;
    this.extraKeys = Object.freeze([...(options.extraKeys ?? [])]);
    this.prefix = options.prefix ?? '';
    this.redisKey = lockRedisKey(kind, obj, key, this.extraKeys, this.prefix);
    this.keys = lockKeys(this.redisKey);
    this.#options = Object.freeze({ ...options });
  }

  /**
   * Unique per instance: 32 hex characters, the first 8 shared by the lock objects of this
   * process, the other 24 random. Release and extend only act for this owner.
   */
  get ownerId(): string {
    // Made on first use: a disabled limiter never needs one.
    return (this.#ownerId ??= randomOwnerId());
  }

  /** False for a limiter whose limit is `null`: it then never touches Redis. */
  get enabled(): boolean {
    return true;
  }

  /** True for `RateLimiter` and `ConcurrencyLimiter` (which interactive runs skip). */
  get isLimiter(): boolean {
    return false;
  }

  /** True when the lock holds a lease that a watchdog must extend. */
  get leased(): boolean {
    return true;
  }

  /** Where `acquireAll` takes this lock: lower ranks first (see `acquisitionOrder`). */
  get acquisitionRank(): number {
    return 0;
  }

  /** Lease length in ms, or `null` for locks without a lease. */
  abstract get ttlMs(): number | null;

  /** @internal The pub/sub channel hand-offs are announced on, or null (poll only). */
  get wakeChannel(): string | null {
    return this.keys.wake;
  }

  /**
   * Tries to take the lock: once, or, with `waitMs`, by waiting in the lock's line until it
   * is handed over (first come, first served) or the time is up.
   * @returns true when held. A lock this instance already holds is re-acquired (its lease renewed).
   * @throws InvalidLockOptionsError for a bad `waitMs`; the signal's reason if `signal` aborts
   *   (nothing stays held); RedisAdapterError on Redis failures.
   */
  async acquire(redis: RedisAdapter, options: AcquireOptions = {}): Promise<boolean> {
    if (!this.enabled) return true;
    const waitMs = checkWaitMs(options.waitMs);
    options.signal?.throwIfAborted();
    const metadata = options.metadata ? JSON.stringify(options.metadata) : '';
    const telemetry = options.telemetry === false ? null : lockTelemetry();
    if (telemetry)
      return tracedAcquire(telemetry, this, waitMs, options.signal, (contended) =>
        this.#acquire(redis, waitMs, options.signal, metadata, contended),
      );
    return this.#acquire(redis, waitMs, options.signal, metadata);
  }

  async #acquire(
    redis: RedisAdapter,
    waitMs: number,
    signal: AbortSignal | undefined,
    metadata: string,
    contended?: () => void,
  ): Promise<boolean> {
    if (waitMs === 0) return settle(this, await this.attempt(redis, { waitLeaseMs: 0, metadata }));
    // `this` is a Waitable (checked here, not with `implements`: Waitable is internal).
    return acquireWaiting(this, redis, { waitMs, signal, metadata, ...(contended ? { contended } : {}) });
  }

  /**
   * Acquires this lock and keeps its lease alive with a watchdog until released:
   * `await using held = await lock.hold(redis, { waitMs: 5_000 })`.
   * @throws LockUnavailableError when it could not be taken (within `waitMs`).
   */
  hold(redis: RedisAdapter, options: HoldOptions = {}): Promise<HeldLocks<this>> {
    return holdLocks(redis, [this], options);
  }

  /** Releases what this owner holds; never another owner's lease. Idempotent. */
  abstract release(redis: RedisAdapter): Promise<void>;

  /** Renews the lease. True only if this owner still held it. */
  abstract extend(redis: RedisAdapter): Promise<boolean>;

  /** Undoes the last acquire of a failed all-or-nothing set: a release (rate limiters refund). */
  rollback(redis: RedisAdapter): Promise<void> {
    return this.release(redis);
  }

  /** Who holds the lock now, with lease expiry and metadata (server clock). */
  abstract inspect(redis: RedisAdapter): Promise<LockHolder[]>;

  /**
   * A copy of this lock under another key prefix: the same class and options (obj, key,
   * extraKeys, ttlMs, limits, ...), a fresh owner id, every key under `prefix` (replacing any
   * prefix it had). A hash-tagged prefix (`'{app}'`) puts all its keys in that cluster slot.
   * Subclasses keep the `(obj, key, options)` constructor, or override this.
   * @throws RedisConfigError when `prefix` has an unbalanced `}`.
   *
   * @example
   * ```ts
   * const lock = new MutexLock(LockedObjectType.TASK, 'Tick').withPrefix('{tasks}');
   * lock.redisKey; // '{tasks}:lock:mutex:task:Tick'
   * ```
   */
  withPrefix(prefix: string): this {
    const Class = this.constructor as LockConstructor<this>;
    return new Class(this.obj, this.key, { ...this.#options, prefix });
  }

  /**
   * @internal One atomic attempt; with `options.waitLeaseMs > 0` the owner joins (or stays in)
   * the lock's line when refused.
   */
  abstract attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt>;

  /** @internal Leaves the line; resolves true if the lock was meanwhile handed to this owner. */
  async cancelWait(_redis: RedisAdapter): Promise<boolean> {
    return false;
  }

  /** @internal A hand-off message `owner|token`: true when it hands the lock to this owner. */
  receive(message: string): boolean {
    const bar = message.indexOf('|');
    if (bar < 0 || message.slice(0, bar) !== this.ownerId) return false;
    this.received(Number(message.slice(bar + 1)));
    return true;
  }

  /** @internal Called with the token of a hand-off to this owner (0 for locks without one). */
  protected received(_token: number): void {}
}

/**
 * The common base of `RateLimiter` and `ConcurrencyLimiter`: `isLimiter` is true, so
 * interactive runs (and `acquireAll(..., { skipLimiters: true })`) skip them; structural locks
 * are always acquired.
 */
export abstract class BaseLimiter extends BaseLock {
  override get isLimiter(): boolean {
    return true;
  }
}
