// The watchdog: keeps every lease of a set alive and tells the holder when one is lost.
import type { RedisAdapter } from '@tasks/redis';
import { LockLostError } from '../errors.js';
import type { LockLike } from '../types.js';

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
 * the holder learns it, instead of running on without its lock. Locks without a lease (rate
 * limiters, disabled limiters) are ignored; a set with none gets a signal that never aborts.
 *
 * @example
 * ```ts
 * const watchdog = startWatchdog(redis, [lock], { onLost: (e) => log.warn(e.message) });
 * try { await work(watchdog.signal); } finally { watchdog.stop(); await lock.release(redis); }
 * ```
 */
export function startWatchdog(
  redis: RedisAdapter,
  locks: readonly LockLike[],
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

  const lose = (lock: LockLike, cause?: unknown): void => {
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
