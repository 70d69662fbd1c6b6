// Fairness with several connections: a waiter in line is served before any later arrival
// (waiting or not), and the invariant — never above the limit, never a reader with a
// writer — holds at every step. Each releasing step is driven by the test, so the order in
// which Redis hands places over is the order the test observes.
import type { RedisAdapter } from '@tasks/redis';
import { describe, expect, it } from 'vitest';
import {
  type BaseLock,
  ConcurrencyLimiter,
  ExclusiveRWLock,
  LockedObjectType,
  lockKeys,
  MutexLock,
  SharedRWLock,
} from '../src/index.js';
import { lineLength, sleep, targets, useTarget, waitUntil } from './targets.js';

const { JOB } = LockedObjectType;
const WAITERS = 4;

/** Who is inside, by role, with the invariant checked on every entry. */
class Occupancy {
  slots = 0;
  readers = 0;
  writers = 0;
  violations: string[] = [];

  constructor(readonly limit: number) {}

  enter(lock: BaseLock): void {
    if (lock instanceof SharedRWLock) this.readers++;
    else if (lock instanceof ExclusiveRWLock) this.writers++;
    else this.slots++;
    if (this.slots > this.limit) this.violations.push(`${this.slots} holders, limit ${this.limit}`);
    if (this.writers > 1 || (this.writers > 0 && this.readers > 0))
      this.violations.push(`${this.writers} writer(s) with ${this.readers} reader(s)`);
  }

  leave(lock: BaseLock): void {
    if (lock instanceof SharedRWLock) this.readers--;
    else if (lock instanceof ExclusiveRWLock) this.writers--;
    else this.slots--;
  }
}

interface Scenario {
  readonly limit: number;
  /** Locks that take every place first. */
  readonly blockers: () => BaseLock[];
  /** A new waiting acquirer. */
  readonly waiter: () => BaseLock;
  /** New non-waiting acquirers that try to barge in, in turn. */
  readonly bargers: ReadonlyArray<() => BaseLock>;
  /** The line the waiters join. */
  readonly line: string;
}

describe.each(targets())('fairness on $name', (target) => {
  const t = useTarget(target, 'fair');
  const options = { prefix: t.prefix, ttlMs: 20_000 };

  /**
   * Blockers hold every place; WAITERS waiters join the line one after another, while a barger
   * on its own connection keeps trying to get in without waiting; then the test frees one place
   * at a time (oldest holder first) and checks who got it.
   */
  async function runScenario(s: Scenario): Promise<void> {
    const redis = t.redis();
    const inside = new Occupancy(s.limit);
    const holders: Array<{ lock: BaseLock; conn: RedisAdapter }> = [];
    for (const lock of s.blockers()) {
      expect(await lock.acquire(redis)).toBe(true);
      inside.enter(lock);
      holders.push({ lock, conn: redis });
    }
    const served: number[] = [];
    /** For each barger win: whether a waiter was in line before its attempt, and how many were served. */
    const bargerWins: Array<{ lineSeen: boolean; served: number }> = [];
    let inLine = 0;
    let stop = false;
    const bargerConn = t.extra();
    const barging = (async () => {
      for (let i = 0; !stop; i++) {
        const lock = (s.bargers[i % s.bargers.length] as () => BaseLock)();
        const lineSeen = inLine > 0;
        if (await lock.acquire(bargerConn)) {
          inside.enter(lock);
          bargerWins.push({ lineSeen, served: served.length });
          inside.leave(lock);
          await lock.release(bargerConn);
        } else await sleep(1);
      }
    })();
    const waiting: Array<Promise<void>> = [];
    for (let i = 0; i < WAITERS; i++) {
      const lock = s.waiter();
      const conn = t.extra();
      waiting.push(
        lock.acquire(conn, { waitMs: 60_000 }).then((ok) => {
          expect(ok).toBe(true);
          inside.enter(lock);
          served.push(i);
          holders.push({ lock, conn });
        }),
      );
      await waitUntil(async () => (await lineLength(redis, s.line)) === i + 1, `waiter ${i} in line`);
      inLine++;
    }
    for (let step = 0; holders.length > 0; step++) {
      const before = served.length;
      const oldest = holders.shift() as { lock: BaseLock; conn: RedisAdapter };
      inside.leave(oldest.lock);
      await oldest.lock.release(oldest.conn);
      // A place is free now: the next waiter in line must get it (and nobody else).
      if (before < WAITERS && holders.length < s.limit)
        await waitUntil(() => served.length > before, `step ${step}: waiter ${before} served`);
    }
    await Promise.all(waiting);
    stop = true;
    await barging;
    expect(served).toEqual([0, 1, 2, 3]);
    // A newcomer that came after a waiter had joined the line never got in before it was served.
    expect(bargerWins.filter((win) => win.lineSeen && win.served < WAITERS)).toEqual([]);
    expect(inside.violations).toEqual([]);
  }

  it('mutex: waiters are served in arrival order, never after a newcomer', async () => {
    const make = (): MutexLock => new MutexLock(JOB, 'fair-mutex', options);
    await runScenario({
      limit: 1,
      blockers: () => [make()],
      waiter: make,
      bargers: [make],
      line: lockKeys(make().redisKey).queue,
    });
  });

  it('concurrency limiter: freed slots go to waiters in arrival order, never to a newcomer', async () => {
    const make = (): ConcurrencyLimiter => new ConcurrencyLimiter(JOB, 'fair-sem', { ...options, limit: 2 });
    await runScenario({
      limit: 2,
      blockers: () => [make(), make()],
      waiter: make,
      bargers: [make],
      line: lockKeys(make().redisKey).queue,
    });
  });

  it('concurrency limiter: a waiter joining a busy line leaves its TTLs to the waiters’ polls, which renew them', async () => {
    const make = (): ConcurrencyLimiter => new ConcurrencyLimiter(JOB, 'line-ttl', { ...options, limit: 1 });
    const redis = t.redis();
    const holder = make();
    expect(await holder.acquire(redis)).toBe(true);
    const { queue, leases } = lockKeys(holder.redisKey);
    const expiresAt = async (key: string): Promise<number> =>
      Number(await redis.command(['PEXPIRETIME', key], { key }));
    const waiters = [make(), make()];
    const conns = [t.extra(), t.extra()];
    const served: number[] = [];
    const waiting = waiters.map(async (lock, i) => {
      await waitUntil(async () => (await lineLength(redis, queue)) === i, `waiter ${i - 1} in line first`);
      expect(await lock.acquire(conns[i] as RedisAdapter, { waitMs: 60_000 })).toBe(true);
      served.push(i);
    });
    await waitUntil(async () => (await lineLength(redis, queue)) === 2, 'both waiters in line');
    const [queueAt, leasesAt] = [await expiresAt(queue), await expiresAt(leases)];
    expect(queueAt).toBeGreaterThan(0);
    expect(leasesAt).toBeGreaterThan(0);
    // Each waiter re-checks within its poll interval, renewing its place and both keys' TTLs.
    await waitUntil(
      async () => (await expiresAt(queue)) > queueAt && (await expiresAt(leases)) > leasesAt,
      'line TTLs renewed by a poll',
    );
    expect(await lineLength(redis, queue)).toBe(2);
    await holder.release(redis);
    await waitUntil(() => served.length === 1, 'first waiter served');
    await (waiters[0] as ConcurrencyLimiter).release(conns[0] as RedisAdapter);
    await Promise.all(waiting);
    expect(served).toEqual([0, 1]);
    await (waiters[1] as ConcurrencyLimiter).release(conns[1] as RedisAdapter);
  });

  it('writers: served in arrival order, ahead of newcomer readers and writers', async () => {
    const reader = (): SharedRWLock => new SharedRWLock(JOB, 'fair-rw', options);
    const writer = (): ExclusiveRWLock => new ExclusiveRWLock(JOB, 'fair-rw', options);
    await runScenario({
      limit: 1,
      blockers: () => [reader(), reader()],
      waiter: writer,
      bargers: [reader, writer],
      line: lockKeys(writer().redisKey).queue,
    });
  });

  it('readers: let in together once no writer holds or waits, before any newcomer', async () => {
    const redis = t.redis();
    const inside = new Occupancy(Infinity);
    const reader = (): SharedRWLock => new SharedRWLock(JOB, 'fair-readers', options);
    const writer = (): ExclusiveRWLock => new ExclusiveRWLock(JOB, 'fair-readers', options);
    const keys = lockKeys(writer().redisKey);
    const first = writer();
    expect(await first.acquire(redis)).toBe(true);
    inside.enter(first);
    const served: string[] = [];
    const wait = (lock: BaseLock, name: string): Promise<void> =>
      lock.acquire(t.extra(), { waitMs: 60_000 }).then((ok) => {
        expect(ok).toBe(true);
        inside.enter(lock);
        served.push(name);
      });
    const readers = [reader(), reader(), reader()];
    const readersIn = readers.map((r, i) => wait(r, `r${i}`));
    await waitUntil(async () => (await lineLength(redis, keys.readers)) === 3, 'readers in line');
    const second = writer();
    const secondIn = wait(second, 'w');
    await waitUntil(async () => (await lineLength(redis, keys.queue)) === 1, 'writer in line');
    // A newcomer reader is refused while the writer holds and while one waits.
    expect(await reader().acquire(redis)).toBe(false);
    inside.leave(first);
    await first.release(redis);
    await secondIn; // writer preference: the waiting writer goes first
    expect(served).toEqual(['w']);
    expect(await reader().acquire(redis)).toBe(false);
    inside.leave(second);
    await second.release(t.redis());
    // The releasing script lets every waiting reader in at once: a newcomer reader that gets
    // in now finds all three already holding.
    const late = reader();
    await waitUntil(() => late.acquire(redis), 'late reader in');
    const holders = (await late.inspect(redis)).map((h) => h.ownerId);
    for (const r of readers) expect(holders).toContain(r.ownerId);
    await Promise.all(readersIn);
    expect(served.slice(1).sort()).toEqual(['r0', 'r1', 'r2']);
    expect(inside.violations).toEqual([]);
  });

  it('a non-waiting writer retrying every 50 ms gets in despite readers re-acquiring in a tight loop', async () => {
    const conns = Array.from({ length: 4 }, () => t.extra());
    const inside = new Occupancy(Infinity);
    let stop = false;
    let reads = 0;
    // Four connections, each re-acquiring a new reader before it releases the one it holds
    // (hand over hand): without writer preference the lock never has no reader.
    const readerLoop = async (conn: RedisAdapter): Promise<void> => {
      let held: SharedRWLock | null = null;
      while (!stop) {
        const next = new SharedRWLock(JOB, 'starve', options);
        const got = await next.acquire(conn);
        if (got) {
          inside.enter(next);
          reads++;
        }
        await sleep(5);
        if (held) {
          inside.leave(held);
          await held.release(conn);
        }
        held = got ? next : null;
      }
      if (held) {
        inside.leave(held);
        await held.release(conn);
      }
    };
    const loops = conns.map(readerLoop);
    try {
      await waitUntil(() => inside.readers >= 2 && reads > 8, 'readers busy');
      const redis = t.redis();
      let refusals = 0;
      const w = new ExclusiveRWLock(JOB, 'starve', options);
      while (!(await w.acquire(redis))) {
        refusals++;
        expect(refusals).toBeLessThan(400); // 20 s of retries
        await sleep(50);
      }
      inside.enter(w);
      expect(refusals).toBeGreaterThan(0); // it really was refused by readers first
      expect((await w.inspect(redis)).map((h) => h.role)).toEqual(['writer']);
      inside.leave(w);
      await w.release(redis);
      const readsAfter = reads;
      await waitUntil(() => reads > readsAfter, 'readers back in after the writer');
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(inside.violations).toEqual([]);
  });
});
