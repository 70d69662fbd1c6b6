// The dashboard over a small live app: a worker runs resizes, a report holds a mutex, a task
// that always fails lands in the dead-letter queue, an album fans out to pages. It serves the
// dashboard on 127.0.0.1, reads three pages through the handler and prints what they show;
// with --serve it stays up (sign in with the printed token) until Ctrl-C.
// `npx -y pnpm@12.4.2 example dashboard [--serve]`, or `node main.mjs` with TASKS_REDIS_URL.
import { BaseTask, createTaskApp, spawnWithCallback } from '@tasks/core';
import { serveDashboard } from '@tasks/dashboard';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { randomBytes } from 'node:crypto';

const serve = process.argv.includes('--serve');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let finished = false; // the report runs (holding its mutex) until the example ends
let finish;
const finishing = new Promise((resolve) => (finish = resolve));

class Resize extends BaseTask {
  async execute() {
    await sleep(50 + Math.random() * 200);
    return { file: this.args.file, width: 640 };
  }
}
class MonthlyReport extends BaseTask {
  get executionLocks() {
    return [new MutexLock(LockedObjectType.TASK, 'MonthlyReport')]; // one report at a time
  }
  async execute(ctx) {
    for (let step = 1; step <= 20 && !ctx.signal.aborted && !finished; step++) {
      await ctx.progress({ step, of: 20 });
      await Promise.race([sleep(3_000), finishing]);
    }
    return 'report sent';
  }
}
class ChargeCard extends BaseTask {
  dlqEligible = true; // no retry (the default), then the dead-letter queue
  async execute() {
    throw new Error(`card ${this.args.card} declined`);
  }
}
class Page extends BaseTask {
  async execute() {
    await sleep(100);
    return this.args.n;
  }
}
class Publish extends BaseTask {
  async execute() {
    return 'published';
  }
}
class Album extends BaseTask {
  async execute(ctx) {
    const pages = Array.from({ length: 6 }, (_, n) => new Page({ n }));
    return spawnWithCallback(ctx, pages, new Publish({ album: this.args.album }));
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
const prefix = `example-dashboard:${process.pid}`; // every key of the example lives under it
const app = createTaskApp({
  redis,
  prefix,
  tasks: [Resize, MonthlyReport, ChargeCard, Page, Publish, Album],
});
app.createWorker({ concurrency: 4 }).run();
const token = process.env.DASHBOARD_TOKEN ?? randomBytes(12).toString('base64url');
const served = await serveDashboard({ app, port: Number(process.env.PORT ?? (serve ? 8080 : 0)), token });
try {
  await app.submitMany(Array.from({ length: 40 }, (_, i) => new Resize({ file: `photo-${i}.jpg` })));
  const report = await app.submit(new MonthlyReport({ month: '2026-11' }));
  const charge = await app.submit(new ChargeCard({ card: '4242' }), { labels: { customer: 'acme' } });
  await app.submit(new Album({ album: 'holiday' }));
  await charge.result({ timeoutMs: 10_000 }).catch(() => undefined); // it fails: dead-lettered
  await sleep(300);
  console.log(`Dashboard at ${served.url} (sign in with token ${serve ? token : '<printed with --serve>'})`);
  const read = async (path) => (await fetch(new URL(path, served.url))).text();
  const text = (page) => page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const overview = text(await read('./'));
  console.log(
    `Overview: ${/(\d+) workers alive/.exec(overview)?.[0] ?? '?'}, ${/(\d+) dead-lettered/.exec(overview)?.[0] ?? '?'}`,
  );
  console.log(
    `DLQ: ${/card 4242 declined/.test(text(await read('dlq'))) ? 'ChargeCard (card 4242 declined)' : 'empty'}`,
  );
  const locks = text(await read('locks'));
  console.log(
    `Locks: ${/lock:mutex:task:MonthlyReport/.test(locks) ? `MonthlyReport's mutex is held by task ${report.id}` : 'none held'}`,
  );
  if (serve) {
    console.log('Serving until Ctrl-C.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  finished = true;
  finish();
  await served.close();
  await app.close({ closeRedis: false, timeoutMs: 1_000 }); // the worker stops gracefully
  for await (const key of redis.scan(`${app.keys.root}*`)) await redis.command(['DEL', key], { key });
  await redis.close();
}
