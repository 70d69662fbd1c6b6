// @tasks/core through ioredis: a worker, tasks of several priorities and sizes, one retried,
// one dead-lettered, then the results and the queue status. `npx -y pnpm@12.4.2 example core-ioredis`
// (from a clone), or `node main.mjs` with TASKS_REDIS_URL pointing at your Redis.
import { BaseTask, createTaskApp, Priority, Size } from '@tasks/core';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { ExponentialBackoff } from '@tasks/retry';

class Thumbnail extends BaseTask {
  priority = Priority.REALTIME;
  size = Size.SMALL;
  async execute() {
    return `${this.args.image} → 128px`;
  }
}

class FetchRates extends BaseTask {
  retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.2, maxRetries: 3 });
  async execute(ctx) {
    if (ctx.attempt === 0) throw new Error('rates service timed out'); // the retry succeeds
    return { EURUSD: 1.08, attempt: ctx.attempt };
  }
}

class Invoice extends BaseTask {
  priority = Priority.BACKGROUND;
  size = Size.LARGE;
  dlqEligible = true;
  async execute() {
    if (this.args.customer === 'ghost') throw new Error('no such customer');
    return `invoice for ${this.args.customer}`;
  }
}

const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = createIoredisAdapter(url); // the adapter owns this connection
try {
  await redis.command(['PING']); // fails fast and says why: unreachable, wrong password, not Redis
} catch (error) {
  console.error(`✗ ${error.message}`);
  await redis.close();
  process.exit(1);
}
const prefix = `example-core-ioredis:${process.pid}`; // every key of the example lives under it
const app = createTaskApp({ redis, prefix, tasks: [Thumbnail, FetchRates, Invoice] });
app.on('succeeded', (e) => console.log(`  ✓ ${e.name} (attempt ${e.attempt}, ${e.durationMs} ms)`));
app.on('retried', (e) => console.log(`  ↻ ${e.name} will run again (attempt ${e.attempt})`));
app.on('deadLettered', (e) => console.log(`  ✗ ${e.name} dead-lettered: ${e.reason}`));

app.createWorker({ concurrency: 4 }).run();
try {
  console.log('Submitting 5 tasks...');
  const tasks = [
    new Thumbnail({ image: 'cat.png' }),
    new Thumbnail({ image: 'dog.png' }),
    new FetchRates({}),
    new Invoice({ customer: 'ada' }),
    new Invoice({ customer: 'ghost' }),
  ];
  const handles = await Promise.all(tasks.map((task) => app.submit(task)));
  const outcomes = await Promise.allSettled(handles.map((h) => h.result({ timeoutMs: 10_000 })));

  console.log('\nResults:');
  outcomes.forEach((o, i) => {
    const text = o.status === 'fulfilled' ? JSON.stringify(o.value) : `failed: ${o.reason.message}`;
    console.log(`  ${tasks[i].taskName.padEnd(10)} ${text}`);
  });

  const record = await app.getResult(handles[2].id);
  console.log(`\nFetchRates took ${record.attempts} attempts; first error: ${record.errors[0]?.message}`);

  const status = await app.status();
  const [dead] = await app.dlq.list();
  console.log(
    `Status: ${status.delayed} delayed, ${status.deadLettered} dead-lettered, ${status.workers.length} worker(s)`,
  );
  console.log(`DLQ: ${dead.taskName} ${JSON.stringify(dead.args)} — ${dead.reason}`);
} finally {
  await app.close({ closeRedis: false }); // the worker stops gracefully
  for await (const key of redis.scan(`${app.keys.root}*`)) await redis.command(['DEL', key], { key });
  await redis.close();
}
