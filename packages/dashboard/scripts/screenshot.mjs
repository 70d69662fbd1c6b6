#!/usr/bin/env node
// Regenerates overview.png (the README's screenshot): a throwaway redis-server, a small app
// with some traffic (a worker, queued and delayed tasks, a paused stream, a dead letter, a
// held lock), the dashboard on a free port, and Debian's headless chromium through
// playwright-core (no browser download). Run after a build: `npx -y pnpm@12.4.2 --filter
// @tasks/dashboard screenshot`.
import { fileURLToPath } from 'node:url';
import { BaseTask, Priority, Size, createTaskApp } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { chromium } from 'playwright-core';
import { startThrowawayRedis } from '../../../tools/throwaway-redis.mjs';
import { serveDashboard } from '../dist/index.js';

const OUT = fileURLToPath(new URL('../overview.png', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Resize extends BaseTask {
  async execute() {
    await sleep(20 + Math.random() * 60);
    if (Math.random() < 0.1) throw new Error('corrupt image');
    return this.args.file;
  }
}
class MonthlyReport extends BaseTask {
  get executionLocks() {
    return [new MutexLock(LockedObjectType.TASK, 'MonthlyReport')];
  }
  async execute(ctx) {
    await ctx.progress({ step: 3, of: 10 });
    await sleep(60_000);
  }
}
class Transcode extends BaseTask {
  size = Size.LARGE;
  priority = Priority.BACKGROUND;
  async execute() {
    await sleep(1_000);
  }
}
class Thumbnail extends BaseTask {
  size = Size.SMALL;
  priority = Priority.REALTIME;
  async execute() {
    await sleep(30);
  }
}
class ChargeCard extends BaseTask {
  dlqEligible = true;
  async execute() {
    throw new Error(`card ${this.args.card} declined`);
  }
}

const redisServer = await startThrowawayRedis();
const redis = createIoredisAdapter(redisServer.url);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const app = createTaskApp({
  redis,
  prefix: 'shop',
  logger: quiet,
  tasks: [Resize, MonthlyReport, ChargeCard, Transcode, Thumbnail],
});
const worker = app.createWorker({ concurrency: 6, idleTimeoutMs: 1_500 });
void worker.run();
const served = await serveDashboard({ app, port: 0, token: 'screenshot' });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  await app.submit(new MonthlyReport({ month: '2026-11' }));
  for (let round = 0; round < 4; round++) {
    await app.submitMany(
      Array.from({ length: 120 }, (_, i) => new Resize({ file: `img-${round}-${i}.jpg` })),
    );
    await sleep(600);
  }
  for (const card of ['4242', '0005'])
    await app.submit(new ChargeCard({ card }), { labels: { customer: 'acme' } });
  await app.submitMany(
    Array.from({ length: 30 }, (_, i) => ({
      task: new Resize({ file: `later-${i}.jpg` }),
      options: { delayMs: 600_000 },
    })),
  );
  await app.pause({ priority: Priority.BACKGROUND, size: Size.LARGE });
  await app.submitMany(Array.from({ length: 40 }, (_, i) => new Transcode({ video: `clip-${i}.mp4` })));
  await app.submitMany(Array.from({ length: 50 }, (_, i) => new Thumbnail({ file: `thumb-${i}.jpg` })));
  await app.submitMany(Array.from({ length: 240 }, (_, i) => new Resize({ file: `batch-${i}.jpg` })));
  await sleep(1_500);
  const page = await browser.newPage({ viewport: { width: 1280, height: 940 } });
  await page.goto(served.url);
  await page.locator('#live-status.on').waitFor();
  await app.submitMany(Array.from({ length: 12 }, (_, i) => new Resize({ file: `live-${i}.jpg` })));
  await page.locator('#event-log li[data-type]').first().waitFor();
  await sleep(1_200);
  await page.screenshot({ path: OUT, fullPage: false });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await served.close();
  await app.close({ timeoutMs: 500 });
  await redisServer.stop();
}
