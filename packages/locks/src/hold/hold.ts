// Holding locks for the length of a piece of work: all-or-nothing acquisition, a watchdog,
// release at the end (also through `await using`).
import type { RedisAdapter } from '@tasks/redis';
import { acquireAll, releaseAll, type AcquireAllOptions } from '../acquire-all.js';
import { LockUnavailableError } from '../errors.js';
import type { LockLike } from '../types.js';
import { startWatchdog, type WatchdogOptions } from './watchdog.js';

/** Locks held under a watchdog; release them with `release()` or `await using`. */
export interface HeldLocks<L extends LockLike = LockLike> extends AsyncDisposable {
  /** The locks held, in acquisition order. */
  readonly locks: readonly L[];
  /** Aborted with a `LockLostError` if a lease is lost. */
  readonly signal: AbortSignal;
  /** Stops the watchdog and releases every lock. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link holdLocks} and {@link hold}. */
export interface HoldOptions extends AcquireAllOptions, WatchdogOptions {}

/**
 * Acquires every lock (all-or-nothing, see `acquireAll`) and keeps their leases alive with
 * a watchdog until released.
 * @throws LockUnavailableError when the locks could not all be taken (within `waitMs`).
 *
 * @example
 * ```ts
 * await using held = await holdLocks(redis, [new MutexLock(LockedObjectType.JOB, 7)], { waitMs: 5_000 });
 * await doWork(held.signal);
 * ```
 */
export async function holdLocks<L extends LockLike>(
  redis: RedisAdapter,
  locks: readonly L[],
  options: HoldOptions = {},
): Promise<HeldLocks<L>> {
  const result = await acquireAll(redis, locks, options);
  if (!result.acquired) throw new LockUnavailableError(result.blockedBy.redisKey, result.retryAfterMs);
  const watchdog = startWatchdog(redis, result.held, options);
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    watchdog.stop();
    released ??= releaseAll(redis, result.held);
    return released;
  };
  return { locks: result.held, signal: watchdog.signal, release, [Symbol.asyncDispose]: release };
}

/**
 * Runs `fn` while holding every lock, extending leases every `ttl / 3`; the signal passed
 * to `fn` is aborted with a `LockLostError` if a lease is lost. Locks are released when
 * `fn` settles.
 * @throws LockUnavailableError when the locks could not all be taken; whatever `fn` throws.
 *
 * @example
 * ```ts
 * await hold(redis, [new MutexLock(LockedObjectType.JOB, 7)], async (signal) => {
 *   for (const item of items) { signal.throwIfAborted(); await process(item); }
 * }, { waitMs: 5_000 });
 * ```
 */
export async function hold<T>(
  redis: RedisAdapter,
  locks: LockLike | readonly LockLike[],
  fn: (signal: AbortSignal) => Promise<T>,
  options: HoldOptions = {},
): Promise<T> {
  const held = await holdLocks(redis, Array.isArray(locks) ? locks : [locks as LockLike], options);
  try {
    return await fn(held.signal);
  } finally {
    await held.release();
  }
}
