// Mutex cases: uncontended acquire+release (N in flight on own keys, and sequential), and
// the contended case (W workers on ONE key, hold, release) with an in-process overlap check.
// A new lock object is created for every operation, as the anchors' READMEs do.
import { performance } from 'node:perf_hooks';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import Redlock from 'redlock';
import redisSemaphore from 'redis-semaphore';
import { Latencies } from '../lib/stats.mjs';

const { Mutex } = redisSemaphore;

const TTL_MS = 10_000;
const WAIT_MS = 60_000;
// redlock v4 with retryCount -1 retries forever; 6000 retries of >= 10 ms bound a waiter to
// >= 60 s like the other libraries' acquireTimeout, and differs from -1 only past that.
const REDLOCK_RETRIES = 6000;
const BARE_RELEASE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export function newRedlock(client) {
  const redlock = new Redlock([client], {
    driftFactor: 0.01,
    retryCount: REDLOCK_RETRIES,
    retryDelay: 10,
    retryJitter: 5,
  });
  redlock.on('clientError', () => {});
  return redlock;
}

/**
 * Per library: `lock(ctx, key)` returns { acquire(): Promise<void>, release(): Promise<void> }
 * for a NEW lock object, waiting up to 60 s; acquire throws when it could not lock.
 */
export const MUTEX_LIBS = {
  ours: {
    setup: () => ({}),
    lock({ redis, prefix }, key) {
      const lock = new MutexLock(LockedObjectType.TASK, key, { ttlMs: TTL_MS, prefix });
      return {
        async acquire() {
          if (!(await lock.acquire(redis, { waitMs: WAIT_MS }))) throw new Error(`ours: not acquired ${key}`);
        },
        release: () => lock.release(redis),
      };
    },
  },
  'redis-semaphore': {
    setup: () => ({}),
    lock({ client, prefix }, key) {
      const mutex = new Mutex(client, `${prefix}:${key}`, { acquireTimeout: WAIT_MS });
      return { acquire: () => mutex.acquire(), release: () => mutex.release() };
    },
  },
  redlock: {
    setup: ({ client }) => ({ redlock: newRedlock(client) }),
    lock({ prefix, redlock }, key) {
      let held;
      return {
        async acquire() {
          held = await redlock.lock(`${prefix}:${key}`, TTL_MS);
        },
        release: () => held.unlock(),
      };
    },
  },
  // Not an anchor: the floor of any 2-round-trip mutex on this client (SET NX PX, then a
  // compare-and-delete EVALSHA), with no library code around it.
  'bare-ioredis': {
    async setup({ client }) {
      return { delSha: await client.script('LOAD', BARE_RELEASE), seq: { n: 0 } };
    },
    lock({ client, prefix, delSha, seq }, key) {
      const name = `${prefix}:${key}`;
      const token = String(++seq.n);
      return {
        async acquire() {
          if ((await client.set(name, token, 'PX', TTL_MS, 'NX')) !== 'OK')
            throw new Error(`bare: ${name} is held`);
        },
        release: () => client.evalsha(delSha, 1, name, token),
      };
    },
  },
};

/** Uncontended: `concurrency` workers, each on its own key (sequential: one worker, one key). */
export function uncontendedCase({ id, title, concurrency, libs }) {
  return {
    id,
    title,
    kind: 'timed',
    variants: libs.map((lib) => ({
      lib,
      async make(env) {
        const ctx = { ...env, ...(await MUTEX_LIBS[lib].setup(env)) };
        return {
          concurrency,
          async op(worker) {
            const lock = MUTEX_LIBS[lib].lock(ctx, `k${worker}`);
            await lock.acquire();
            await lock.release();
          },
        };
      },
    })),
  };
}

export const HOLDS = {
  '1ms': () => new Promise((resolve) => setTimeout(resolve, 1)),
  tick: () => new Promise((resolve) => setImmediate(resolve)),
};

/** Shared bookkeeping of a contended run: overlap, hand-offs, waits. */
export class HolderStats {
  constructor() {
    this.reset();
  }

  reset() {
    this.holders = 0;
    this.maxHolders = 0;
    this.violations = 0;
    this.last = -1;
    this.handoffs = 0;
    this.acquisitions = 0;
    this.perWorker = new Map();
    this.waits = new Latencies();
    this.holdTotalMs = 0;
  }

  held(ms) {
    this.holdTotalMs += ms;
  }

  enter(worker, waitedMs) {
    this.holders++;
    if (this.holders > 1) this.violations++;
    if (this.holders > this.maxHolders) this.maxHolders = this.holders;
    if (this.last !== -1 && this.last !== worker) this.handoffs++;
    this.last = worker;
    this.acquisitions++;
    this.perWorker.set(worker, (this.perWorker.get(worker) ?? 0) + 1);
    this.waits.add(waitedMs);
  }

  leave() {
    this.holders--;
  }

  summary() {
    const w = this.waits.summary();
    return {
      acquisitions: this.acquisitions,
      violations: this.violations,
      maxHolders: this.maxHolders,
      handoffs: this.handoffs,
      handoffPct: this.acquisitions ? (this.handoffs / this.acquisitions) * 100 : null,
      waitMeanMs: w.mean,
      waitP50Ms: w.p50,
      waitP99Ms: w.p99,
      waitMaxMs: w.max,
      holdMeanMs: this.acquisitions ? this.holdTotalMs / this.acquisitions : null,
      // Strict FIFO with W workers always queued: each waits for the W−1 holds ahead of it.
      fifoFloorMs: this.acquisitions
        ? ((this.perWorker.size - 1) * this.holdTotalMs) / this.acquisitions
        : null,
    };
  }
}

/** Contended: `workers` workers on ONE key, each `opsPerWorker` × (acquire, hold, release). */
export function contendedCase({ id, title, workers, opsPerWorker, hold, libs }) {
  return {
    id,
    title,
    kind: 'fixed',
    variants: libs.map((lib) => ({
      lib,
      async make(env) {
        const ctx = { ...env, ...(await MUTEX_LIBS[lib].setup(env)) };
        const stats = new HolderStats();
        return {
          workers,
          opsPerWorker,
          resetStats: () => stats.reset(),
          stats: () => stats.summary(),
          async op(worker) {
            const lock = MUTEX_LIBS[lib].lock(ctx, 'hot');
            const t0 = performance.now();
            await lock.acquire();
            const t1 = performance.now();
            stats.enter(worker, t1 - t0);
            try {
              await HOLDS[hold]();
            } finally {
              stats.held(performance.now() - t1);
              // Leave before releasing: the release may hand the lock over before it resolves.
              stats.leave();
            }
            await lock.release();
          },
        };
      },
    })),
  };
}

/**
 * Keys left behind: acquire+release `n` distinct keys sequentially, then count the keys that
 * remain and the memory they hold (not timed; run once).
 */
export async function footprint(env, lib, n) {
  const prefix = `bench:${env.runId}:footprint:${lib}`;
  const ctx = { ...env, prefix, ...(await MUTEX_LIBS[lib].setup(env)) };
  const before = Number(/used_memory:(\d+)/.exec(await env.control.info('memory'))[1]);
  for (let i = 0; i < n; i++) {
    const lock = MUTEX_LIBS[lib].lock(ctx, `k${i}`);
    await lock.acquire();
    await lock.release();
  }
  const keys = await env.countPrefix(prefix);
  const after = Number(/used_memory:(\d+)/.exec(await env.control.info('memory'))[1]);
  const ttls = [];
  for (const key of keys.sample) ttls.push(Number(await env.control.pttl(key)));
  await env.deletePrefix(prefix);
  return {
    lib,
    operations: n,
    keysLeft: keys.count,
    bytesLeft: after - before,
    sampleKeys: keys.sample,
    sampleTtlMs: ttls,
  };
}
