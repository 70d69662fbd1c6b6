// The Redis configuration checks a worker and a scheduler run at start: an evicting policy is
// warned about loudly (and refuses the start under 'strict'), no persistence is warned about.
import { RedisCheckError, type RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseTask, createTaskApp, type TaskEvents } from '../src/index.js';

class Noop extends BaseTask<Record<string, never>, null> {
  async execute(): Promise<null> {
    return null;
  }
}

describe.each([
  { name: 'ioredis', connect: (url: string): RedisAdapter => createIoredisAdapter(url) },
  { name: 'node-redis', connect: (url: string): RedisAdapter => createNodeRedisAdapter(url) },
])('Redis checks at start on $name', ({ connect }) => {
  let server: RedisServer;
  let redis: RedisAdapter;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru'] });
    redis = connect(server.url);
  });
  afterAll(async () => {
    await redis.close();
    await server.destroy();
  });

  const appWith = (warnings: string[]) =>
    createTaskApp({
      redis,
      prefix: '{checks}',
      tasks: [Noop],
      logger: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
    });

  it("warns loudly under 'warn' and starts anyway", async () => {
    const warnings: string[] = [];
    const app = appWith(warnings);
    const seen: Array<TaskEvents['redisChecked']> = [];
    app.on('redisChecked', (event) => seen.push(event));
    const worker = app.createWorker({ blockMs: 100 });
    const running = worker.run();
    const handle = await app.submit(new Noop({}));
    await expect(handle.result({ timeoutMs: 20_000 })).resolves.toBeNull();
    await worker.close();
    await running;
    const eviction = warnings.find((w) => w.includes('eviction-policy'));
    expect(eviction).toMatch(/volatile-lru/);
    expect(eviction).toMatch(/two holders of one mutex/);
    expect(warnings.some((w) => /persistence.*restart or crash loses every queued/.test(w))).toBe(true);
    expect(seen[0]?.component).toBe('worker');
    expect(seen[0]?.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(['version', 'eviction-policy', 'persistence', 'memory']),
    );
  });

  it("refuses to start a worker and a scheduler under 'strict'", async () => {
    const app = appWith([]);
    const worker = app.createWorker({ redisChecks: 'strict' });
    const refused = await worker.run().then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RedisCheckError);
    expect((refused as RedisCheckError).findings.map((f) => f.check)).toEqual([
      'eviction-policy',
      'persistence',
    ]);
    expect((refused as Error).message).toMatch(/Refusing to start.*strict/s);
    await worker.close();
    const scheduler = app.createScheduler({ redisChecks: 'strict' });
    await expect(scheduler.run()).rejects.toBeInstanceOf(RedisCheckError);
    await scheduler.close();
  });

  it("checks nothing under 'off'", async () => {
    const warnings: string[] = [];
    const app = appWith(warnings);
    const worker = app.createWorker({ redisChecks: 'off', blockMs: 100 });
    const running = worker.run();
    const handle = await app.submit(new Noop({}));
    await expect(handle.result({ timeoutMs: 20_000 })).resolves.toBeNull();
    await worker.close();
    await running;
    expect(warnings.filter((w) => w.includes('Redis'))).toEqual([]);
  });
});
