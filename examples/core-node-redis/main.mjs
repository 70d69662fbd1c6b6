// @tasks/core through node-redis, on a client you own: a delayed task, labels, result records,
// and an interactive call() under a mutex. `npx -y pnpm@12.4.2 example core-node-redis`
import { BaseTask, createTaskApp, Size } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { deleteKeysWithPrefix, exampleRedis } from '@tasks/testing';
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

const server = await exampleRedis();
const client = await createClient({ url: server.url }).connect(); // yours: the adapter never closes it
const redis = createNodeRedisAdapter(client);
const app = createTaskApp({ redis, prefix, tasks: [Reminder, RebuildIndex] });
const worker = app.createWorker({ sizes: [Size.SMALL, Size.MEDIUM], concurrency: 2 });
const running = worker.run();
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
  await holder.acquire(redis);
  try {
    await app.call(new RebuildIndex({ index: 'books' }), { waitMs: 300 });
  } catch (error) {
    console.log(`  while someone else holds it: ${error.name}: ${error.message}`);
  } finally {
    await holder.release(redis);
  }
} finally {
  await worker.close();
  await running;
  await deleteKeysWithPrefix(redis, `{${prefix}}`);
  await deleteKeysWithPrefix(redis, `${prefix}:`); // the lock keys
  await redis.close();
  await client.close();
  await server.stop();
}
