// @tasks/locks in one run: every lock prints what happens. `npx -y pnpm@12.4.2 example locks`
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { exampleRedis } from '@tasks/testing';
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
const server = await exampleRedis();
const redis = createIoredisAdapter(server.url);
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
  for (const r of readers) await r.acquire(redis);
  log(`   3 readers in; holders: ${(await readers[0].inspect(redis)).map((h) => h.role).join(', ')}`);
  const writer = new ExclusiveRWLock(JOB, 'catalog', { prefix });
  const writing = writer.acquire(redis, { waitMs: 5000 });
  await sleep(50);
  log(
    `   a writer is waiting; a new reader is refused (writer preference): ${await new SharedRWLock(JOB, 'catalog', { prefix }).acquire(redis)}`,
  );
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
      await slot.acquire(redis, { waitMs: 10_000 });
      running++;
      log(`   upload ${n} starts (${running} running)`);
      await sleep(100);
      running--;
      await slot.release(redis);
    }),
  );
} finally {
  await redis.close();
  await server.stop();
}
