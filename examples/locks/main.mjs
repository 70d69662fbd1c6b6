// @tasks/locks in one run: every lock prints what happens. `npx -y pnpm@12.4.2 example locks`
// (from a clone), or `node main.mjs` with TASKS_REDIS_URL pointing at your Redis.
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import {
  ConcurrencyLimiter,
  ExclusiveRWLock,
  hold,
  LockedObjectType,
  MutexLock,
  RateLimiter,
  SharedRWLock,
} from '@tasks/locks';

const { JOB, TASK } = LockedObjectType;
const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = createIoredisAdapter(url); // the adapter owns this connection
try {
  await redis.command(['PING']); // fails fast and says why: unreachable, wrong password, not Redis
} catch (error) {
  console.error(`✗ ${error.message}`);
  await redis.close();
  process.exit(1);
}
const prefix = `example-locks:${process.pid}`; // every key of this example lives under it
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);

try {
  log('\n1. A mutex guarding a critical section, its lease kept alive by the watchdog');
  const jobLock = new MutexLock(JOB, 42, { prefix, ttlMs: 600 });
  await hold(redis, jobLock, async (signal) => {
    log(`   holding ${jobLock.redisKey} with fencing token ${jobLock.fencingToken}`);
    await sleep(1500); // longer than the 600 ms TTL: the watchdog extends it every 200 ms
    const rival = new MutexLock(JOB, 42, { prefix });
    log(`   after 1.5 s a rival acquire returns ${await rival.acquire(redis)}; lost: ${signal.aborted}`);
  });
  const next = new MutexLock(JOB, 42, { prefix });
  log(`   released: the next owner gets it (${await next.acquire(redis)}), token ${next.fencingToken}`);
  await next.release(redis);

  log('\n2. Readers share, a writer waits for them, then excludes them');
  const readers = [1, 2, 3].map(() => new SharedRWLock(JOB, 'catalog', { prefix }));
  for (const r of readers) if (!(await r.acquire(redis))) throw new Error('a reader was refused');
  log(`   3 readers in; holders: ${(await readers[0].inspect(redis)).map((h) => h.role).join(', ')}`);
  const writer = new ExclusiveRWLock(JOB, 'catalog', { prefix });
  const writing = writer.acquire(redis, { waitMs: 5000 });
  await sleep(50);
  const late = new SharedRWLock(JOB, 'catalog', { prefix });
  const lateIn = await late.acquire(redis);
  log(`   a writer is waiting; a new reader is refused (writer preference): ${!lateIn}`);
  if (lateIn) await late.release(redis); // the writer was not in line yet (a very slow machine)
  for (const r of readers) await r.release(redis);
  log(`   readers gone: writer acquired = ${await writing}`);
  await writer.release(redis);

  log('\n3. A sliding-window rate limiter: 3 calls per second');
  for (let i = 1; i <= 4; i++) {
    const rl = new RateLimiter(TASK, 'api', { prefix, limit: 3, windowSeconds: 1 });
    const ok = await rl.acquire(redis);
    log(`   call ${i}: ${ok ? 'admitted' : `refused, retry in ${rl.retryAfterMs} ms`}`);
  }

  log('\n4. A concurrency limiter: 2 uploads at a time out of 5');
  let running = 0;
  await Promise.all(
    [1, 2, 3, 4, 5].map(async (n) => {
      const slot = new ConcurrencyLimiter(TASK, 'upload', { prefix, limit: 2 });
      if (!(await slot.acquire(redis, { waitMs: 10_000 }))) {
        log(`   upload ${n}: no slot freed within 10 s, skipped`); // acquire() says false, never throws
        return;
      }
      running++;
      log(`   upload ${n} starts (${running} running)`);
      await sleep(100);
      running--;
      await slot.release(redis);
    }),
  );
} finally {
  for await (const key of redis.scan(`*${prefix}*`)) await redis.command(['DEL', key], { key });
  await redis.close();
}
