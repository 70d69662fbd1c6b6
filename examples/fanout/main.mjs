// Fan-out / fan-in: a task spawns one child per page, and a callback fires exactly once when
// every child has succeeded, reading all their results. A second album has a broken page: its
// failure callback fires instead. `npx -y pnpm@12.4.2 example fanout` (from a clone), or
// `node main.mjs` with TASKS_REDIS_URL pointing at your Redis.
import { BaseTask, createTaskApp, spawnWithCallback } from '@tasks/core';
import { createIoredisAdapter } from '@tasks/redis-ioredis';

const finished = new Map(); // album -> what its callback saw
let done;
const allDone = new Promise((resolve) => (done = resolve));
const record = (album, outcome) => {
  finished.set(album, outcome);
  if (finished.size === 2) done();
};

class OcrPage extends BaseTask {
  async execute() {
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80)); // pages finish in any order
    if (this.args.page === 'torn') throw new Error(`page ${this.args.page} is unreadable`);
    return { page: this.args.page, words: this.args.page.length * 100 };
  }
}

class PublishAlbum extends BaseTask {
  async execute(ctx) {
    const results = Object.values(await ctx.groupResults()); // every child's return value
    const words = results.reduce((sum, r) => sum + r.words, 0);
    record(this.args.album, `published ${results.length} pages, ${words} words`);
    return words;
  }
}

class ReportBrokenAlbum extends BaseTask {
  async execute() {
    record(this.args.album, 'a page failed for good: not published');
  }
}

class DigitiseAlbum extends BaseTask {
  async execute(ctx) {
    const children = this.args.pages.map((page) => new OcrPage({ page }));
    const groupId = await spawnWithCallback(ctx, children, new PublishAlbum({ album: this.args.album }), {
      onFailure: new ReportBrokenAlbum({ album: this.args.album }),
    });
    console.log(`  ${this.args.album}: spawned ${children.length} pages (group ${groupId.slice(0, 8)})`);
    return groupId;
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
const prefix = `example-fanout:${process.pid}`; // every key of the example lives under it
const app = createTaskApp({
  redis,
  prefix,
  tasks: [OcrPage, PublishAlbum, ReportBrokenAlbum, DigitiseAlbum],
});
app.on('groupFired', (e) => console.log(`  group ${e.groupId.slice(0, 8)} fired: ${e.outcome}`));
app.createWorker({ concurrency: 8 }).run();
try {
  console.log('Fanning out...');
  await app.submit(
    new DigitiseAlbum({ album: 'holiday', pages: ['beach', 'hills', 'harbour', 'market', 'sunset'] }),
  );
  await app.submit(new DigitiseAlbum({ album: 'attic', pages: ['letter', 'torn', 'diary'] }));
  let timer;
  const timeout = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), 15_000)),
  );
  await Promise.race([allDone, timeout]).finally(() => clearTimeout(timer)); // no timer left to wait for
  console.log('\nCallbacks:');
  for (const [album, outcome] of finished) console.log(`  ${album.padEnd(8)} ${outcome}`);
} finally {
  await app.close({ closeRedis: false }); // the worker stops gracefully
  for await (const key of redis.scan(`${app.keys.root}*`)) await redis.command(['DEL', key], { key });
  await redis.close();
}
