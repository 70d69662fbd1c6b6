import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';
import { afterAll, afterEach, inject } from 'vitest';
import {
  createTaskApp,
  type TaskApp,
  type TaskAppOptions,
  type Worker,
  type WorkerOptions,
} from '../src/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Client {
  readonly name: string;
  connect(): RedisAdapter;
}

/** The adapters core runs on: both clients standalone, and ioredis on the cluster. */
export function clients(): Client[] {
  const url = inject('redisUrl');
  const cluster = inject('redisCluster');
  const list: Client[] = [
    { name: 'ioredis', connect: () => createIoredisAdapter(url) },
    { name: 'node-redis', connect: () => createNodeRedisAdapter(url) },
  ];
  if (cluster)
    list.push({
      name: 'ioredis cluster',
      connect: () => createIoredisAdapter({ cluster: cluster.rootNodes.map((n) => ({ ...n })) }),
    });
  return list;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Builds apps under unique prefixes, and closes workers, adapters and keys after each test. */
export function useApps(client: Client = clients()[0] as Client): {
  app(options: Omit<TaskAppOptions, 'redis'> & { redis?: RedisAdapter }): TaskApp;
  worker(app: TaskApp, options?: WorkerOptions): Worker;
  redis(): RedisAdapter;
} {
  const adapters: RedisAdapter[] = [];
  const workers: Worker[] = [];
  const prefixes: string[] = [];
  let main: RedisAdapter | undefined;
  const redis = (): RedisAdapter => {
    if (!main) {
      main = client.connect();
      adapters.push(main);
    }
    return main;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 2_000 })));
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis(), prefix);
    await Promise.all(adapters.map((a) => a.close()));
  });
  return {
    redis,
    app(options) {
      const prefix = `{${testPrefix('core')}}`;
      prefixes.push(prefix);
      return createTaskApp({ logger: quiet, ...options, redis: options.redis ?? redis(), prefix });
    },
    worker(app, options = {}) {
      const worker = app.createWorker({ blockMs: 200, ...options });
      workers.push(worker);
      void worker.run();
      return worker;
    },
  };
}

/** Resolves once `predicate` holds (checked every 10 ms), or fails after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(10);
  }
}
