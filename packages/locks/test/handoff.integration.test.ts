// Hand-offs between processes. A script that hands a lock or a slot to a waiter publishes it on
// the lock's channel only when the waiter belongs to another process; a waiter of the caller's
// own process gets it through the caller's reply. A second copy of this package stands in for
// another process: its owner ids have another prefix and its waiters are not in this copy's
// registry, so the pub/sub message (or its own poll) is its only way to learn of a hand-off.
import { describe, expect, it, vi } from 'vitest';
import * as here from '../src/index.js';
import { lineLength, targets, useTarget, waitUntil } from './targets.js';

vi.resetModules();
const there: typeof here = await import('../src/index.js');

const { JOB } = here.LockedObjectType;
vi.setConfig({ testTimeout: 240_000 });

type Lib = typeof here;
type Lock = here.MutexLock | here.ConcurrencyLimiter | here.ExclusiveRWLock;

interface Kind {
  readonly name: string;
  readonly limit: number;
  make(lib: Lib, prefix: string, key: string): Lock;
}

const KINDS: readonly Kind[] = [
  {
    name: 'concurrency limiter',
    limit: 2,
    make: (lib, prefix, key) => new lib.ConcurrencyLimiter(JOB, key, { prefix, limit: 2, ttlMs: 20_000 }),
  },
  {
    name: 'mutex',
    limit: 1,
    make: (lib, prefix, key) => new lib.MutexLock(JOB, key, { prefix, ttlMs: 20_000 }),
  },
  {
    name: 'RW writer',
    limit: 1,
    make: (lib, prefix, key) => new lib.ExclusiveRWLock(JOB, key, { prefix, ttlMs: 20_000 }),
  },
];

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('two copies of the package', () => {
  it('are separate, with owner ids of different prefixes', () => {
    expect(there.MutexLock).not.toBe(here.MutexLock);
    const a = new here.MutexLock(JOB, 'x');
    const b = new here.MutexLock(JOB, 'y');
    const c = new there.MutexLock(JOB, 'x');
    expect(a.ownerId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.ownerId.slice(0, 8)).toBe(b.ownerId.slice(0, 8));
    expect(a.ownerId).not.toBe(b.ownerId);
    expect(c.ownerId.slice(0, 8)).not.toBe(a.ownerId.slice(0, 8));
  });
});

describe.each(targets())('hand-offs between processes on $name', (target) => {
  const t = useTarget(target, 'handoff');

  it.each(KINDS)('$name: published only for a waiter of another process', async (kind) => {
    const redis = t.redis();
    const key = `pub-${kind.name}`;
    const holders = Array.from({ length: kind.limit }, () => kind.make(here, t.prefix, key));
    for (const holder of holders) expect(await holder.acquire(redis)).toBe(true);
    const { queue, wake } = here.lockKeys(holders[0]!.redisKey);
    const heard: string[] = [];
    const stop = await t.extra().subscribe(wake, (message) => heard.push(message));
    try {
      // In line: a waiter of this process, then one of the other process.
      const local = kind.make(here, t.prefix, key);
      const localIn = local.acquire(t.extra(), { waitMs: 60_000 });
      await waitUntil(async () => (await lineLength(redis, queue)) === 1, 'local waiter in line');
      const foreign = kind.make(there, t.prefix, key);
      const foreignIn = foreign.acquire(t.extra(), { waitMs: 60_000 });
      await waitUntil(async () => (await lineLength(redis, queue)) === 2, 'foreign waiter in line');

      await holders[0]!.release(redis); // to the local waiter: through the reply only
      expect(await localIn).toBe(true);
      await local.release(redis); // to the foreign waiter: published
      expect(await foreignIn).toBe(true);
      await waitUntil(() => heard.some((m) => m.startsWith(`${foreign.ownerId}|`)), 'hand-off published');
      // Messages on a channel arrive in order: one for the local waiter would have come first.
      expect(heard.filter((m) => m.startsWith(`${local.ownerId}|`))).toEqual([]);
      await foreign.release(redis);
    } finally {
      await stop();
      for (const holder of holders) await holder.release(redis);
    }
  });

  it.each(KINDS)(
    '$name: waiters of two processes on 12 connections, never above the limit, everyone served',
    async (kind) => {
      const workers = 12;
      const rounds = 40;
      const conns = Array.from({ length: workers }, () => t.extra());
      let inside = 0;
      let maxInside = 0;
      let acquisitions = 0;
      let crossings = 0;
      let lastLib: Lib | undefined;
      await Promise.all(
        conns.map(async (redis, worker) => {
          const lib = worker % 2 === 0 ? here : there;
          for (let i = 0; i < rounds; i++) {
            const lock = kind.make(lib, t.prefix, `mixed-${kind.name}`);
            expect(await lock.acquire(redis, { waitMs: 60_000 })).toBe(true);
            inside++;
            maxInside = Math.max(maxInside, inside);
            expect(inside).toBeLessThanOrEqual(kind.limit);
            if (lastLib !== undefined && lastLib !== lib) crossings++;
            lastLib = lib;
            acquisitions++;
            await tick();
            inside--;
            await lock.release(redis);
          }
        }),
      );
      expect(acquisitions).toBe(workers * rounds);
      expect(maxInside).toBe(kind.limit);
      // Hand-offs crossed between the two processes many times (both delivery paths ran).
      expect(crossings).toBeGreaterThan(rounds);
    },
  );
});
