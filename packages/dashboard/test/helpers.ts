// Shared setup of the dashboard tests: an app per test under its own prefix, on the
// harness's throwaway redis-server, and its keys deleted afterwards.
import { BaseTask, createTaskApp, type TaskApp, type TaskAppOptions, type TaskContext } from '@tasks/core';
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';
import { afterAll, inject } from 'vitest';

export { sleep, waitUntil } from '@tasks/testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Builds apps under unique prefixes; closes them and deletes their keys after the file. */
export function useApps(): { app(options: Omit<TaskAppOptions, 'redis' | 'prefix'>): TaskApp } {
  const made: Array<{ app: TaskApp; redis: RedisAdapter; prefix: string }> = [];
  afterAll(async () => {
    for (const { app, redis, prefix } of made.splice(0)) {
      await app.close({ closeRedis: false, timeoutMs: 2_000 });
      await deleteKeysWithPrefix(redis, prefix);
      await redis.close();
    }
  });
  return {
    app(options) {
      const redis = createIoredisAdapter(inject('redisUrl'));
      const prefix = testPrefix('dashboard');
      const app = createTaskApp({ logger: quiet, ...options, redis, prefix });
      made.push({ app, redis, prefix });
      return app;
    },
  };
}

/** A task that returns at once. */
export class Quick extends BaseTask<{ n: number }, number> {
  async execute(): Promise<number> {
    return this.args.n;
  }
}

/** A task that always fails, straight to the dead-letter queue. */
export class Doomed extends BaseTask<{ why: string }, never> {
  override dlqEligible = true;
  async execute(_ctx: TaskContext): Promise<never> {
    throw new Error(`doomed: ${this.args.why}`);
  }
}
