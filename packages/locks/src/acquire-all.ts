import type { RedisAdapter } from '@tasks/redis';
import { BaseLimiter, type AcquireOptions, type BaseLock } from './base-lock.js';
import { RateLimiter } from './rate-limiter.js';

/** Options of {@link acquireAll}. */
export interface AcquireAllOptions extends AcquireOptions {
  /** Skip every limiter (`instanceof BaseLimiter`), as interactive runs do. Default false. */
  readonly skipLimiters?: boolean;
}

/** What {@link acquireAll} reports. */
export type AcquireAllResult =
  | { readonly acquired: true; readonly held: readonly BaseLock[] }
  | {
      readonly acquired: false;
      /** The lock that could not be taken. */
      readonly blockedBy: BaseLock;
      /** When it may be free (its `retryAfterMs`), or `null` when unknown. */
      readonly retryAfterMs: number | null;
    };

/**
 * The deterministic order `acquireAll` takes locks in: structural locks and concurrency
 * limiters by key, then rate limiters by key (quota is spent only once everything else is
 * held).
 */
export function acquisitionOrder(locks: readonly BaseLock[]): BaseLock[] {
  const rank = (lock: BaseLock): number => (lock instanceof RateLimiter ? 1 : 0);
  return [...locks].sort(
    (a, b) => rank(a) - rank(b) || (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0),
  );
}

/**
 * Takes every lock of a set, or none: in one global order (so two callers asking for the
 * same locks in different orders never deadlock), rate limiters last, and on any failure
 * it releases what it took and gives back any rate-limit quota it spent — a failed
 * acquisition leaves no quota consumed. Disabled limiters are skipped without Redis calls.
 *
 * With `waitMs`, each lock in turn is waited for within the overall budget.
 * @throws the signal's reason if `signal` aborts (everything taken is released first).
 *
 * @example
 * ```ts
 * const result = await acquireAll(redis, [mutex, limiter]);
 * if (!result.acquired) console.log(`busy: ${result.blockedBy.redisKey}, retry in ${result.retryAfterMs} ms`);
 * ```
 */
export async function acquireAll(
  redis: RedisAdapter,
  locks: readonly BaseLock[],
  options: AcquireAllOptions = {},
): Promise<AcquireAllResult> {
  const wanted = acquisitionOrder(
    locks.filter((lock) => lock.enabled && !(options.skipLimiters && lock instanceof BaseLimiter)),
  );
  const deadline = Date.now() + (options.waitMs ?? 0);
  const held: BaseLock[] = [];
  try {
    for (const lock of wanted) {
      const waitMs = Math.max(0, deadline - Date.now());
      const acquireOptions: AcquireOptions = {
        waitMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
      };
      if (!(await lock.acquire(redis, acquireOptions))) {
        await releaseAll(redis, held, true);
        return { acquired: false, blockedBy: lock, retryAfterMs: lock.retryAfterMs };
      }
      held.push(lock);
    }
  } catch (error) {
    await releaseAll(redis, held, true);
    throw error;
  }
  return { acquired: true, held };
}

/**
 * Releases locks in reverse acquisition order. Every lock is attempted even if one fails;
 * the first failure is rethrown afterwards. With `refund`, rate-limit quota taken by these
 * acquisitions is given back.
 */
export async function releaseAll(
  redis: RedisAdapter,
  locks: readonly BaseLock[],
  refund = false,
): Promise<void> {
  const failures: unknown[] = [];
  for (const lock of [...locks].reverse()) {
    try {
      if (refund && lock instanceof RateLimiter) await lock.refund(redis);
      else await lock.release(redis);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0] as Error;
  if (failures.length > 1) throw new AggregateError(failures, `Releasing ${failures.length} locks failed`);
}
