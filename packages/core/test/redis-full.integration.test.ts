// A full Redis (maxmemory reached, noeviction): submits are refused with a typed error, and a
// worker started on it still drains everything queued, storing results without their values
// while Redis stays full.
import { RedisOutOfMemoryError, type RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { startRedisServer, waitUntil, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseTask, createTaskApp } from '../src/index.js';

const ran = new Set<string>();

class Fill extends BaseTask<{ n: number; pad: string }, string> {
  async execute(): Promise<string> {
    ran.add(`${this.args.n}`);
    return `done ${this.args.n} ${'v'.repeat(200)}`;
  }
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each([
  { name: 'ioredis', connect: (url: string): RedisAdapter => createIoredisAdapter(url) },
  { name: 'node-redis', connect: (url: string): RedisAdapter => createNodeRedisAdapter(url) },
])('a full Redis on $name', ({ connect }) => {
  let server: RedisServer;
  let redis: RedisAdapter;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] });
    redis = connect(server.url);
  });
  afterAll(async () => {
    await redis.close();
    await server.destroy();
  });

  it('refuses submits with RedisOutOfMemoryError, and a worker started on it drains every queued task', async () => {
    ran.clear();
    const app = createTaskApp({ redis, prefix: '{full}', tasks: [Fill], logger: quiet, eventsMaxLen: 100 });
    const ids: string[] = [];
    let refused: unknown;
    while (refused === undefined && ids.length < 20_000) {
      const batch = Array.from(
        { length: 50 },
        (_, i) => new Fill({ n: ids.length + i, pad: 'p'.repeat(100) }),
      );
      try {
        for (const handle of await app.submitMany(batch)) ids.push(handle.id);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(RedisOutOfMemoryError);
    expect((refused as Error).message).toMatch(/is full.*maxmemory/);
    expect(ids.length).toBeGreaterThan(200);
    // Single submits fill what a batch left: they are refused too once Redis is full.
    let single: unknown;
    while (single === undefined && ids.length < 20_000) {
      try {
        ids.push((await app.submit(new Fill({ n: ids.length, pad: 'p'.repeat(100) }))).id);
      } catch (error) {
        single = error;
      }
    }
    expect(single).toBeInstanceOf(RedisOutOfMemoryError);

    const errors: unknown[] = [];
    app.on('workerError', ({ error, where }) => errors.push(`${where}: ${String(error)}`));
    const worker = app.createWorker({ blockMs: 200, concurrency: 20 });
    void worker.run();
    try {
      await waitUntil(() => ran.size >= ids.length, `all ${ids.length} queued tasks to run`, 60_000);
      // Every entry is acknowledged and deleted, none left live.
      await waitUntil(
        async () => Number(await redis.command(['HLEN', '{full}:live'])) === 0,
        'no live task',
        30_000,
      );
    } finally {
      await worker.close({ timeoutMs: 5_000 });
    }
    expect(errors).toEqual([]);
    let dropped = 0;
    for (const id of ids) {
      const record = await app.getResult(id);
      expect(record?.status).toBe('succeeded');
      if (record?.valueDropped) {
        dropped++;
        expect(record.value).toBeNull();
        expect(record.valueDropped).toMatch(/Redis was full/);
      } else {
        expect(record?.value).toMatch(/^done /);
      }
    }
    // Redis was full when the worker started: the first results were stored without values.
    expect(dropped).toBeGreaterThan(0);
  });
});
