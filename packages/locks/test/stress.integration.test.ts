// Concurrency invariants under contention: 20 connections x 200 acquisitions, checked at
// every step with a shared in-process counter.
import { describe, expect, it, vi } from 'vitest';
import {
  ConcurrencyLimiter,
  ExclusiveRWLock,
  LockedObjectType,
  MutexLock,
  SharedRWLock,
} from '../src/index.js';
import { targets, useTarget } from './targets.js';

const { JOB } = LockedObjectType;
// 20 connections × 200 rounds each: on a busy shared machine this takes minutes, not seconds.
vi.setConfig({ testTimeout: 240_000 });

const WORKERS = 20;
const ROUNDS = 200;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe.each(targets())('contention on $name', (target) => {
  const t = useTarget(target, 'stress');

  it(`mutex: ${WORKERS} connections x ${ROUNDS}, never two holders`, async () => {
    const conns = Array.from({ length: WORKERS }, () => t.extra());
    let holders = 0;
    let maxHolders = 0;
    let acquisitions = 0;
    let handoffs = 0;
    let last = -1;
    await Promise.all(
      conns.map(async (redis, worker) => {
        for (let i = 0; i < ROUNDS; i++) {
          const lock = new MutexLock(JOB, 'one', { prefix: t.prefix, ttlMs: 10_000 });
          expect(await lock.acquire(redis, { waitMs: 30_000 })).toBe(true);
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          expect(holders).toBe(1);
          if (last !== worker) handoffs++;
          last = worker;
          acquisitions++;
          await tick();
          holders--;
          await lock.release(redis);
        }
      }),
    );
    expect(acquisitions).toBe(WORKERS * ROUNDS);
    expect(maxHolders).toBe(1);
    // Fair hand-off: the lock changes hands in most acquisitions (barging libraries: ~2 %).
    expect(handoffs / acquisitions).toBeGreaterThan(0.5);
  });

  it(`readers-writer: ${WORKERS} connections, never a writer with anyone else`, async () => {
    const conns = Array.from({ length: WORKERS }, () => t.extra());
    let readers = 0;
    let writers = 0;
    let violations = 0;
    let reads = 0;
    let writes = 0;
    await Promise.all(
      conns.map(async (redis, worker) => {
        for (let i = 0; i < ROUNDS / 2; i++) {
          const isWriter = (worker + i) % 4 === 0;
          const lock = isWriter
            ? new ExclusiveRWLock(JOB, 'rw', { prefix: t.prefix, ttlMs: 10_000 })
            : new SharedRWLock(JOB, 'rw', { prefix: t.prefix, ttlMs: 10_000 });
          expect(await lock.acquire(redis, { waitMs: 60_000 })).toBe(true);
          if (isWriter) {
            writers++;
            writes++;
          } else {
            readers++;
            reads++;
          }
          if (writers > 1 || (writers === 1 && readers > 0)) violations++;
          await tick();
          if (isWriter) writers--;
          else readers--;
          await lock.release(redis);
        }
      }),
    );
    expect(violations).toBe(0);
    expect(reads + writes).toBe((WORKERS * ROUNDS) / 2);
    expect(writes).toBeGreaterThan(0);
  });

  it(`semaphore: ${WORKERS} connections, never more than the limit`, async () => {
    const conns = Array.from({ length: WORKERS }, () => t.extra());
    const limit = 3;
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      conns.map(async (redis) => {
        for (let i = 0; i < ROUNDS / 2; i++) {
          const slot = new ConcurrencyLimiter(JOB, 'sem', { prefix: t.prefix, limit, ttlMs: 10_000 });
          expect(await slot.acquire(redis, { waitMs: 60_000 })).toBe(true);
          inside++;
          maxInside = Math.max(maxInside, inside);
          expect(inside).toBeLessThanOrEqual(limit);
          await tick();
          inside--;
          await slot.release(redis);
        }
      }),
    );
    expect(maxInside).toBe(limit);
  });
});
