// All-or-nothing acquisition of a set of locks, written against the LockLike contract: it
// orders by each lock's rank and key, and undoes a partial acquisition through each lock's
// own rollback, so it needs to know no lock class.
import type { RedisAdapter } from '@tasks/redis';
import type { AcquireOptions, LockLike } from './types.js';

/** Options of {@link acquireAll}. */
export interface AcquireAllOptions extends AcquireOptions {
  /** Skip every limiter (`lock.isLimiter`), as interactive runs do. Default false. */
  readonly skipLimiters?: boolean;
}

/** What {@link acquireAll} reports for a set of `L` (see `AcquireAllResult` for this package's locks). */
export type AcquireAllOutcome<L extends LockLike> =
  | { readonly acquired: true; readonly held: readonly L[] }
  | {
      readonly acquired: false;
      /** The lock that could not be taken. */
      readonly blockedBy: L;
      /** When it may be free (its `retryAfterMs`), or `null` when unknown. */
      readonly retryAfterMs: number | null;
    };

/**
 * The deterministic order `acquireAll` takes locks in: by `acquisitionRank` (structural locks
 * and concurrency limiters, then rate limiters, whose quota is spent only once everything else
 * is held), then by key.
 *
 * @example
 * ```ts
 * acquisitionOrder([rateLimiter, mutexB, mutexA]); // [mutexA, mutexB, rateLimiter]
 * ```
 */
export function acquisitionOrder<L extends LockLike>(locks: readonly L[]): L[] {
  return [...locks].sort(
    (a, b) =>
      a.acquisitionRank - b.acquisitionRank ||
      (a.redisKey < b.redisKey ? -1 : a.redisKey > b.redisKey ? 1 : 0),
  );
}

/**
 * Takes every lock of a set, or none: in one global order (so two callers asking for the
 * same locks in different orders never deadlock), rate limiters last, and on any failure
 * it rolls back what it took — releases locks and gives back any rate-limit quota spent, so a
 * failed acquisition leaves no quota consumed. Disabled limiters are skipped without Redis calls.
 *
 * With `waitMs`, each lock in turn is waited for within the overall budget.
 * @throws the signal's reason if `signal` aborts (everything taken is rolled back first);
 *   RedisAdapterError on Redis failures (likewise).
 *
 * @example
 * ```ts
 * const result = await acquireAll(redis, [mutex, limiter]);
 * if (!result.acquired) console.log(`busy: ${result.blockedBy.redisKey}, retry in ${result.retryAfterMs} ms`);
 * ```
 */
export async function acquireAll<L extends LockLike>(
  redis: RedisAdapter,
  locks: readonly L[],
  options: AcquireAllOptions = {},
): Promise<AcquireAllOutcome<L>> {
  const wanted = acquisitionOrder(
    locks.filter((lock) => lock.enabled && !(options.skipLimiters && lock.isLimiter)),
  );
  const deadline = Date.now() + (options.waitMs ?? 0);
  const held: L[] = [];
  try {
    for (const lock of wanted) {
      const acquireOptions: AcquireOptions = {
        waitMs: Math.max(0, deadline - Date.now()),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(options.telemetry === false ? { telemetry: false } : {}),
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
 * the first failure is rethrown afterwards (an `AggregateError` for several). With `rollback`,
 * each lock is rolled back instead: rate-limit quota taken by these acquisitions is given back.
 * @throws what a release threw (the others were still attempted).
 *
 * @example
 * ```ts
 * const result = await acquireAll(redis, locks);
 * if (result.acquired) try { await work(); } finally { await releaseAll(redis, result.held); }
 * ```
 */
export async function releaseAll(
  redis: RedisAdapter,
  locks: readonly LockLike[],
  rollback = false,
): Promise<void> {
  const failures: unknown[] = [];
  for (const lock of [...locks].reverse()) {
    try {
      if (rollback) await lock.rollback(redis);
      else await lock.release(redis);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0] as Error;
  if (failures.length > 1) throw new AggregateError(failures, `Releasing ${failures.length} locks failed`);
}
