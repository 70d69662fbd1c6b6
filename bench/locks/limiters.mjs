// Rate limiter and semaphore cases.
import { performance } from 'node:perf_hooks';
import { ConcurrencyLimiter, LockedObjectType, RateLimiter } from '@tasks/locks';
import rateLimiterFlexible from 'rate-limiter-flexible';
import redisSemaphore from 'redis-semaphore';
import { Latencies } from '../lib/stats.mjs';

const { RateLimiterRedis } = rateLimiterFlexible;
const { Semaphore } = redisSemaphore;

const BIG = 1e9;
const WINDOW_S = 60;
const EXHAUSTED_LIMIT = 5;

/**
 * Per library: `make(env, { limit, keys })` returns `consume(i)` resolving to true when
 * allowed, false when refused (it throws only on a real failure).
 * Ours binds the key at construction, so it keeps one RateLimiter per key (the counterpart
 * of rate-limiter-flexible's one limiter object that takes the key per call).
 */
const RATE_LIBS = {
  ours({ redis, prefix }, { limit, keys }) {
    const limiters = Array.from(
      { length: keys },
      (_, i) => new RateLimiter(LockedObjectType.TASK, `k${i}`, { limit, windowSeconds: WINDOW_S, prefix }),
    );
    return (i) => limiters[i % keys].acquire(redis);
  },
  'rate-limiter-flexible'({ client, prefix }, { limit, keys }) {
    const limiter = new RateLimiterRedis({
      storeClient: client,
      points: limit,
      duration: WINDOW_S,
      keyPrefix: prefix,
    });
    return async (i) => {
      try {
        await limiter.consume(`k${i % keys}`);
        return true;
      } catch (rejection) {
        if (rejection instanceof Error) throw rejection;
        return false; // a RateLimiterRes: refused
      }
    };
  },
};

/** mode: 'allowed' (limit 1e9, `keys` keys round-robin) or 'rejected' (one exhausted key). */
export function rateLimitCase({ id, title, concurrency, mode, keys = 1000, libs }) {
  return {
    id,
    title,
    kind: 'timed',
    variants: libs.map((lib) => ({
      lib,
      async make(env) {
        const rejected = mode === 'rejected';
        const consume = RATE_LIBS[lib](
          env,
          rejected ? { limit: EXHAUSTED_LIMIT, keys: 1 } : { limit: BIG, keys },
        );
        if (rejected) {
          for (let i = 0; i < EXHAUSTED_LIMIT; i++) {
            if (!(await consume(0))) throw new Error(`${lib}: refused while filling the quota`);
          }
          if (await consume(0)) throw new Error(`${lib}: allowed past the limit`);
        }
        let next = 0;
        let unexpected = 0;
        return {
          concurrency,
          stats: () => ({ unexpectedOutcomes: unexpected }),
          async op() {
            const allowed = await consume(next++);
            if (allowed === rejected) {
              unexpected++;
              throw new Error(`${lib}: expected ${rejected ? 'refusal' : 'admission'}`);
            }
          },
        };
      },
    })),
  };
}

const SEM_LIBS = {
  ours({ redis, prefix }, limit) {
    return () => {
      const sem = new ConcurrencyLimiter(LockedObjectType.TASK, 'sem', { limit, ttlMs: 10_000, prefix });
      return {
        async acquire() {
          if (!(await sem.acquire(redis, { waitMs: 60_000 })))
            throw new Error('ours: semaphore not acquired');
        },
        release: () => sem.release(redis),
      };
    };
  },
  'redis-semaphore'({ client, prefix }, limit) {
    return () => {
      const sem = new Semaphore(client, `${prefix}:sem`, limit, { acquireTimeout: 60_000 });
      return { acquire: () => sem.acquire(), release: () => sem.release() };
    };
  },
};

/** `workers` workers on ONE semaphore of `limit`, each acquire, hold one tick, release. */
export function semaphoreCase({ id, title, workers, limit, libs }) {
  return {
    id,
    title,
    kind: 'timed',
    variants: libs.map((lib) => ({
      lib,
      async make(env) {
        const newSem = SEM_LIBS[lib](env, limit);
        let holders = 0;
        let maxConcurrency = 0;
        let overLimit = 0;
        let waits = new Latencies();
        let perWorker = new Array(workers).fill(0);
        return {
          concurrency: workers,
          resetStats() {
            maxConcurrency = holders;
            overLimit = 0;
            waits = new Latencies();
            perWorker = new Array(workers).fill(0);
          },
          stats() {
            const w = waits.summary();
            return {
              maxConcurrency,
              overLimitEvents: overLimit,
              waitP50Ms: w.p50,
              waitP99Ms: w.p99,
              waitMaxMs: w.max,
              perWorkerMin: Math.min(...perWorker),
              perWorkerMax: Math.max(...perWorker),
            };
          },
          async op(worker) {
            const sem = newSem();
            const t0 = performance.now();
            await sem.acquire();
            waits.add(performance.now() - t0);
            holders++;
            if (holders > maxConcurrency) maxConcurrency = holders;
            if (holders > limit) overLimit++;
            perWorker[worker]++;
            try {
              await new Promise((resolve) => setImmediate(resolve));
            } finally {
              holders--;
            }
            await sem.release();
          },
        };
      },
    })),
  };
}
