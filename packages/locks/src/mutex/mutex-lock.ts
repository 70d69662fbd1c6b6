import type { RedisAdapter, ScriptKeyList } from '@tasks/redis';
import { BaseLock } from '../base-lock.js';
import { readMutexHolder } from '../holders.js';
import type { LockedObjectType } from '../object-types.js';
import { OWNER_HOST } from '../owner-id.js';
import type { Attempt, AttemptOptions, LockHolder, LockOptions } from '../types.js';
import { checkTtl } from '../validation.js';
import { handOverLocally } from '../waiting/hub.js';
import {
  MUTEX_ACQUIRE,
  MUTEX_CANCEL,
  MUTEX_EXTEND,
  MUTEX_RELEASE,
  MUTEX_RELEASE_FAST,
  MUTEX_TRY,
} from './scripts.js';

/** Options of {@link MutexLock}. */
export interface MutexLockOptions extends LockOptions {
  /** Lease length in ms: the lock frees itself this long after the last acquire/extend. Default 30 000. */
  readonly ttlMs?: number;
}

type LinedKeys = ScriptKeyList<(typeof MUTEX_ACQUIRE.keyNames)[number]>;

/**
 * Mutual exclusion: at most one owner at a time. Key `lock:mutex:<obj>:<key>[:<extra>...]`
 * (a string holding the owner id, with a TTL as a crash safety net).
 *
 * - Every successful acquire sets {@link MutexLock.fencingToken}, strictly increasing per key
 *   across owners and expiries, so a downstream store can reject a stale holder's writes.
 * - Waiting acquires (`waitMs`) queue up and the releaser hands the lock straight to the first
 *   live waiter (announced by pub/sub): no barging, first come first served.
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
  #lined: LinedKeys | undefined;
  /** Whether an acquire of this instance stored owner metadata (release then drops it). */
  #hasMetadata = false;
  /**
   * Whether this instance last went through the line (somebody waited, or it waited): its
   * release then hands over in one call instead of trying the short script first.
   */
  #contended = false;

  constructor(obj: LockedObjectType, key: string | number, options: MutexLockOptions = {}) {
    super('mutex', obj, key, options);
    this.#ttlMs = checkTtl(options.ttlMs);
  }

  override get ttlMs(): number {
    return this.#ttlMs;
  }

  /** @internal */
  override get wakeChannel(): string {
    return this.keys.wake;
  }

  /** The keys of the line-aware scripts, built on first use. */
  get #linedKeys(): LinedKeys {
    return (this.#lined ??= MUTEX_ACQUIRE.keyList({ ...this.keys, lock: this.keys.main }));
  }

  /** @internal */
  override async attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt> {
    if (options.waitLeaseMs === 0 && options.metadata === '') {
      const { main: lock, fence, queue } = this.keys;
      const outcome = await MUTEX_TRY.run(
        redis,
        { lock, fence, queue },
        { owner: this.ownerId, ttlMs: this.#ttlMs },
      );
      this.#contended = outcome.kind === 'line-busy';
      if (outcome.kind === 'acquired') {
        this.fencingToken = outcome.token;
        return { acquired: true, token: outcome.token, retryAfterMs: null, lineBusy: false };
      }
      const retryAfterMs = outcome.kind === 'refused' ? outcome.retryAfterMs : null;
      return { acquired: false, token: null, retryAfterMs, lineBusy: this.#contended };
    }
    this.#contended = true;
    if (options.metadata !== '') this.#hasMetadata = true;
    const { attempt, grants } = await MUTEX_ACQUIRE.run(redis, this.#linedKeys, {
      owner: this.ownerId,
      ttlMs: this.#ttlMs,
      placeMs: options.waitLeaseMs,
      metadata: options.metadata,
      channel: this.keys.wake,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
    return this.#settle(attempt);
  }

  #settle(attempt: Attempt): Attempt {
    if (attempt.acquired) this.fencingToken = attempt.token;
    return attempt;
  }

  /** @internal */
  protected override received(token: number): void {
    this.fencingToken = token;
  }

  /** @internal */
  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    const { held, grants } = await MUTEX_CANCEL.run(redis, this.#linedKeys, {
      owner: this.ownerId,
      channel: this.keys.wake,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
    return held;
  }

  override async release(redis: RedisAdapter): Promise<void> {
    if (!this.#hasMetadata && !this.#contended) {
      const { main: lock, queue } = this.keys;
      if (await MUTEX_RELEASE_FAST.run(redis, { lock, queue }, { owner: this.ownerId })) return;
    }
    const { grants } = await MUTEX_RELEASE.run(redis, this.#linedKeys, {
      owner: this.ownerId,
      channel: this.keys.wake,
      dropMeta: this.#hasMetadata ? 1 : 0,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
  }

  override async extend(redis: RedisAdapter): Promise<boolean> {
    const { main: lock, meta } = this.keys;
    return MUTEX_EXTEND.run(redis, { lock, meta }, { owner: this.ownerId, ttlMs: this.#ttlMs });
  }

  override inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    return readMutexHolder(redis, this.keys);
  }
}
