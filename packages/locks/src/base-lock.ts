import { randomFillSync } from 'node:crypto';
import { companionKey, joinKey, withPrefix, type RedisAdapter, type RedisReply } from '@tasks/redis';
import { InvalidLockOptionsError } from './errors.js';
import { lockedObjectType, type LockedObjectType } from './object-types.js';
import { acquireWithWait, settle } from './waiting.js';
import type { HeldLocks, HoldOptions } from './watchdog.js';

/** Options shared by every lock and limiter constructor. */
export interface LockOptions {
  /** More key segments after `key` (e.g. a VO name). Each is escaped. */
  readonly extraKeys?: ReadonlyArray<string | number>;
  /** A key prefix put in front of the reference key (`<prefix>:lock:mutex:...`). Default none. */
  readonly prefix?: string;
}

/** Options of `acquire`. */
export interface AcquireOptions {
  /**
   * Wait up to this many ms for the lock (notified on release, not polling blindly).
   * Default 0: one attempt.
   */
  readonly waitMs?: number;
  /** Aborting it stops waiting: `acquire` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Owner metadata (worker, task id, host, ...) shown by `inspect()`. */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** One holder of a lock, as `inspect()` reports it. */
export interface LockHolder {
  readonly ownerId: string;
  /** `'owner'` (mutex), `'writer'`, `'reader'` or `'slot'` (concurrency limiter). */
  readonly role: 'owner' | 'writer' | 'reader' | 'slot';
  /** When the lease ends, in ms since the epoch (server clock). */
  readonly expiresAt: number;
  /** Milliseconds left on the lease. */
  readonly ttlMs: number;
  readonly metadata: Record<string, unknown> | null;
}

/** @internal The outcome of one atomic acquire attempt. */
export interface Attempt {
  readonly acquired: boolean;
  readonly token: number | null;
  readonly retryAfterMs: number | null;
}

export const DEFAULT_LOCK_TTL_MS = 30_000;

// Owner ids: 16 random bytes each, drawn from a pool refilled 256 ids at a time (one
// CSPRNG call instead of one per lock object).
const OWNER_ID_BYTES = 16;
const ownerIdPool = Buffer.alloc(OWNER_ID_BYTES * 256);
let ownerIdOffset = ownerIdPool.length;

function randomOwnerId(): string {
  if (ownerIdOffset === ownerIdPool.length) {
    randomFillSync(ownerIdPool);
    ownerIdOffset = 0;
  }
  const id = ownerIdPool.toString('hex', ownerIdOffset, ownerIdOffset + OWNER_ID_BYTES);
  ownerIdOffset += OWNER_ID_BYTES;
  return id;
}

/** @internal */
export function parseAttempt(reply: RedisReply): Attempt {
  const [ok, token, hint] = reply as [number, string, number];
  const tokenNumber = Number(token);
  return {
    acquired: ok === 1,
    token: ok === 1 && tokenNumber > 0 ? tokenNumber : null,
    retryAfterMs: ok === 1 ? null : Math.max(0, Number(hint)),
  };
}

/** @internal */
export function checkTtl(ttlMs: number | undefined): number {
  const ttl = ttlMs ?? DEFAULT_LOCK_TTL_MS;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new InvalidLockOptionsError('ttlMs', `must be a positive integer, got ${ttl}`);
  return ttl;
}

/**
 * The common base of every lock and limiter: scope `(obj, key, ...extraKeys)`, a random
 * owner id per instance, and the Redis key built from the reference pattern.
 *
 * Every operation is one Lua script computed with the Redis server's clock; release and
 * extend check ownership atomically.
 */
export abstract class BaseLock {
  /** The type of object locked. */
  readonly obj: LockedObjectType;
  /** The object's identifier. */
  readonly key: string | number;
  /** Extra key segments. */
  readonly extraKeys: ReadonlyArray<string | number>;
  /** The Redis key, e.g. `lock:mutex:job:42:lhcb` (with the prefix in front, if any). */
  readonly redisKey: string;
  /** The key prefix given at construction (`''` when none). */
  readonly prefix: string;
  #ownerId: string | undefined;
  #companionBase: string | undefined;
  /**
   * After a refused acquire: ms until it may succeed (the limiter's window or the holder's
   * lease), or `null` when unknown.
   */
  retryAfterMs: number | null = null;

  constructor(
    kind: readonly string[],
    obj: LockedObjectType,
    key: string | number,
    options: LockOptions = {},
  ) {
    this.obj = lockedObjectType(obj);
    this.key = key;
    this.extraKeys = Object.freeze([...(options.extraKeys ?? [])]);
    this.prefix = options.prefix ?? '';
    this.redisKey = withPrefix(this.prefix, joinKey(...kind, obj, key, ...this.extraKeys));
  }

  /** Random per instance (32 hex characters); release and extend only act for this owner. */
  get ownerId(): string {
    // Made on first use: a disabled limiter never needs one.
    return (this.#ownerId ??= randomOwnerId());
  }

  /** False for a limiter whose limit is `null`: it then never touches Redis. */
  get enabled(): boolean {
    return true;
  }

  /** True when the lock holds a lease that a watchdog must extend. */
  get leased(): boolean {
    return true;
  }

  /** Lease length in ms, or `null` for locks without a lease. */
  abstract get ttlMs(): number | null;

  /**
   * Tries to take the lock: once, or, with `waitMs`, until it is free (woken by the
   * releaser's notification) or the time is up.
   * @returns true when held. A lock this instance already holds is re-acquired (its lease renewed).
   * @throws the signal's reason if `signal` aborts while waiting; RedisAdapterError on Redis failures.
   */
  async acquire(redis: RedisAdapter, options: AcquireOptions = {}): Promise<boolean> {
    if (!this.enabled) return true;
    const waitMs = options.waitMs ?? 0;
    if (!Number.isFinite(waitMs) || waitMs < 0)
      throw new InvalidLockOptionsError('waitMs', 'must be a non-negative number');
    options.signal?.throwIfAborted();
    const metadata = options.metadata ? JSON.stringify(options.metadata) : '';
    const first = await this.attempt(redis, 0, metadata, waitMs > 0);
    if (settle(this, first) || waitMs === 0) return first.acquired;
    return acquireWithWait(this, redis, waitMs, options.signal, metadata, first);
  }

  /**
   * Acquires this lock and keeps its lease alive with a watchdog until released:
   * `await using held = await lock.hold(redis, { waitMs: 5_000 })`.
   * @throws LockUnavailableError when it could not be taken (within `waitMs`).
   */
  async hold(redis: RedisAdapter, options: HoldOptions = {}): Promise<HeldLocks> {
    const { holdLocks } = await import('./watchdog.js');
    return holdLocks(redis, [this], options);
  }

  /** Releases what this owner holds; never another owner's lease. Idempotent. */
  abstract release(redis: RedisAdapter): Promise<void>;

  /** Renews the lease. True only if this owner still held it. */
  async extend(_redis: RedisAdapter): Promise<boolean> {
    return false;
  }

  /** Who holds the lock now, with lease expiry and metadata (server clock). */
  abstract inspect(redis: RedisAdapter): Promise<LockHolder[]>;

  /**
   * @internal One atomic attempt; with `waitLeaseMs > 0` the owner also joins the waiters.
   * `willWait` says a refusal will be followed by waiting attempts, so a lock may answer
   * "not yet" early instead of doing work only a last attempt needs.
   */
  abstract attempt(
    redis: RedisAdapter,
    waitLeaseMs: number,
    metadata: string,
    willWait?: boolean,
  ): Promise<Attempt>;

  /** @internal Leaves the waiters; resolves true if the lock was meanwhile handed to this owner. */
  async cancelWait(_redis: RedisAdapter): Promise<boolean> {
    return false;
  }

  /** @internal The pub/sub channel releases are announced on, or null (poll only). */
  get wakeChannel(): string | null {
    return this.companion('wake');
  }

  /** @internal Called with a channel message: true if this owner should try again now. */
  wakes(message: string): boolean {
    return message === '*';
  }

  /** @internal Called with a channel message: true if it hands the lock to this owner. */
  handoff(_message: string): boolean {
    return false;
  }

  /** @internal The order `acquireAll` takes locks in: by key, then by kind. */
  get orderKey(): string {
    return this.redisKey;
  }

  /** @internal A key in the same cluster slot as `redisKey`. */
  protected companion(suffix: string): string {
    return (this.#companionBase ??= companionKey(this.redisKey, '')) + suffix;
  }
}

/**
 * The common base of `RateLimiter` and `ConcurrencyLimiter`. Interactive runs skip every
 * lock that is `instanceof BaseLimiter`; structural locks are always acquired.
 */
export abstract class BaseLimiter extends BaseLock {}
