import type { RedisAdapter } from '@tasks/redis';
import { acquireAll, releaseAll, type AcquireAllOptions } from './acquire-all.js';
import type { BaseLock } from './base-lock.js';
import { LockLostError, LockUnavailableError } from './errors.js';

/** Options of {@link startWatchdog}. */
export interface WatchdogOptions {
  /** How often to extend, in ms. Default: a third of the shortest lease. */
  readonly intervalMs?: number;
  /** Called once when a lease is lost, with the error the signal is aborted with. */
  readonly onLost?: (error: LockLostError) => void;
}

/** A running watchdog. */
export interface Watchdog {
  /** Aborted (with a `LockLostError`) when a lease could not be kept. */
  readonly signal: AbortSignal;
  /** The loss, once it happened. */
  readonly lost: LockLostError | null;
  /** Stops extending. Idempotent. */
  stop(): void;
}

/**
 * Extends every leased lock of `locks` every `ttl / 3` until stopped. If an extension reports
 * the lease gone (expired, taken over), or Redis stays unreachable until the lease must have
 * run out, the signal is aborted with a {@link LockLostError} and `onLost` is called —
 * the holder learns it, instead of running on without its lock.
 */
export function startWatchdog(
  redis: RedisAdapter,
  locks: readonly BaseLock[],
  options: WatchdogOptions = {},
): Watchdog {
  const leased = locks.filter((lock) => lock.enabled && lock.leased && lock.ttlMs !== null);
  if (leased.length === 0) return IDLE_WATCHDOG;
  const controller = new AbortController();
  let lost: LockLostError | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const shortest = Math.min(...leased.map((lock) => lock.ttlMs ?? Infinity));
  const interval = options.intervalMs ?? Math.max(10, Math.floor(shortest / 3));
  const lastExtended = new Map(leased.map((lock) => [lock, Date.now()]));

  const lose = (lock: BaseLock, cause?: unknown): void => {
    if (lost) return;
    lost = new LockLostError(lock.redisKey, lock.ownerId, cause);
    stopped = true;
    controller.abort(lost);
    options.onLost?.(lost);
  };

  const tick = async (): Promise<void> => {
    await Promise.all(
      leased.map(async (lock) => {
        const startedAt = Date.now();
        try {
          if (await lock.extend(redis)) lastExtended.set(lock, startedAt);
          else lose(lock);
        } catch (error) {
          // Redis unreachable: the lease may still be alive; give up once it must have expired.
          if (Date.now() - (lastExtended.get(lock) ?? 0) >= (lock.ttlMs ?? 0)) lose(lock, error);
        }
      }),
    );
  };

  const schedule = (): void => {
    if (stopped || leased.length === 0) return;
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, interval);
    timer.unref();
  };
  schedule();

  return {
    signal: controller.signal,
    get lost() {
      return lost;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The watchdog of a set with no lease to keep: its signal never aborts. */
const IDLE_WATCHDOG: Watchdog = Object.freeze({
  signal: new AbortController().signal,
  lost: null,
  stop: () => undefined,
});

/** Locks held under a watchdog; release them with `release()` or `await using`. */
export interface HeldLocks extends AsyncDisposable {
  /** The locks held, in acquisition order. */
  readonly locks: readonly BaseLock[];
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
export async function holdLocks(
  redis: RedisAdapter,
  locks: readonly BaseLock[],
  options: HoldOptions = {},
): Promise<HeldLocks> {
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
  locks: BaseLock | readonly BaseLock[],
  fn: (signal: AbortSignal) => Promise<T>,
  options: HoldOptions = {},
): Promise<T> {
  const held = await holdLocks(redis, Array.isArray(locks) ? locks : [locks as BaseLock], options);
  try {
    return await fn(held.signal);
  } finally {
    await held.release();
  }
}
