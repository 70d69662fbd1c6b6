// @tasks/core through node-redis, on a client you own: a delayed task, labels, result records,
// and an interactive call() under a mutex. `npx -y pnpm@12.4.2 example core-node-redis`
// (from a clone), or `node main.mjs` with TASKS_REDIS_URL pointing at your Redis.
import { BaseTask, createTaskApp, Size } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { maskRedisUrl } from '@tasks/redis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { createClient } from 'redis';

const prefix = `example-core-node-redis:${process.pid}`; // every key of the example lives under it

class Reminder extends BaseTask {
  size = Size.SMALL;
  async execute() {
    return `reminded ${this.args.who} at ${new Date().toISOString()}`;
  }
}

class RebuildIndex extends BaseTask {
  // A mutex per index: two rebuilds of one index never overlap, on any machine.
  get executionLocks() {
    return [new MutexLock(LockedObjectType.JOB, `index-${this.args.index}`, { prefix })];
  }
  async execute(ctx) {
    ctx.logger.info(`rebuilding ${this.args.index}`, { interactive: ctx.interactive });
    return { index: this.args.index, documents: 1234 };
  }
}

const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Your own client: the adapter uses it and never closes it. An adapter built from a URL
// (createNodeRedisAdapter(url)) connects and fails fast by itself; node-redis' own connect()
// retries forever on a wrong URL or password, so the first error ends the wait here.
const client = createClient({ url });
try {
  await Promise.race([client.connect(), new Promise((_, reject) => client.once('error', reject))]);
} catch (error) {
  client.destroy();
  console.error(`✗ cannot connect to Redis at ${maskRedisUrl(url)}: ${error.message}`);
  process.exit(1);
}
client.on('error', () => undefined); // from now on, failures reach the commands that hit them
const redis = createNodeRedisAdapter(client);
const app = createTaskApp({ redis, prefix, tasks: [Reminder, RebuildIndex] });
app.createWorker({ sizes: [Size.SMALL, Size.MEDIUM], concurrency: 2 }).run();
try {
  const submittedAt = Date.now();
  const later = await app.submit(new Reminder({ who: 'grace' }), {
    delayMs: 800,
    labels: { channel: 'sms' },
  });
  const now = await app.submit(new Reminder({ who: 'ada' }), { labels: { channel: 'email' } });
  console.log(`Submitted a reminder now and one in 800 ms; delayed tasks: ${(await app.status()).delayed}`);

  console.log(`  ${await now.result({ timeoutMs: 5_000 })}`);
  console.log(`  ${await later.result({ timeoutMs: 5_000 })} (${Date.now() - submittedAt} ms after submit)`);

  const record = await app.getResult(later.id);
  console.log(`\nResult record of the delayed one: status ${record.status}, worker ${record.worker},`);
  console.log(`  labels ${JSON.stringify(record.labels)}, ran for ${record.durationMs} ms`);

  console.log('\nAn interactive call (no queue): its mutex is taken, kept alive, released');
  console.log(`  result: ${JSON.stringify(await app.call(new RebuildIndex({ index: 'books' })))}`);

  const holder = new MutexLock(LockedObjectType.JOB, 'index-books', { prefix });
  if (!(await holder.acquire(redis))) throw new Error('the index lock is unexpectedly held');
  try {
    await app.call(new RebuildIndex({ index: 'books' }), { waitMs: 300 });
  } catch (error) {
    console.log(`  while someone else holds it: ${error.name}: ${error.message}`);
  } finally {
    await holder.release(redis);
  }
} finally {
  await app.close({ closeRedis: false }); // the worker stops gracefully
  for (const pattern of [`${app.keys.root}*`, `${prefix}:*`])
    // the app's keys and the lock's
    for await (const key of redis.scan(pattern)) await redis.command(['DEL', key], { key });
  await redis.close(); // closes what the adapter opened, never your client...
  await client.close(); // ...so you do
}
