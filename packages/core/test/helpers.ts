import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';
import { adapterTargets, type AdapterTarget } from '@tasks/testing/targets';
import { afterAll, afterEach } from 'vitest';
import {
  createTaskApp,
  type Priority,
  type Size,
  type TaskApp,
  type TaskAppOptions,
  type Worker,
  type WorkerOptions,
} from '../src/index.js';
import type { ShardKeys } from '../src/keys.js';

export { sleep, waitUntil } from '@tasks/testing';

/** Where a test runs: a client, standalone or on the cluster, and the app's shard count there. */
export type Client = AdapterTarget & { readonly shards?: number };

/**
 * The adapters core runs on: both clients, standalone and on the test cluster — where
 * node-redis runs every app spread over 3 shards (`shards: 3`, one per master), so each
 * behaviour is checked on the sharded layout as well as on one slot.
 */
export function clients(): Client[] {
  const targets = adapterTargets([
    {
      name: 'ioredis',
      standalone: (url) => createIoredisAdapter(url),
      cluster: (nodes) => createIoredisAdapter({ cluster: nodes.map((n) => ({ ...n })) }),
    },
    {
      name: 'node-redis',
      standalone: (url) => createNodeRedisAdapter(url),
      cluster: (nodes) =>
        createNodeRedisAdapter({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) }),
    },
  ]);
  return targets.map((t) =>
    t.cluster && t.name.startsWith('node-redis') ? { ...t, name: `${t.name}, 3 shards`, shards: 3 } : t,
  );
}

/** The key of a stream (or of every stream, without arguments) on every shard of the app. */
export function streamsOf(app: TaskApp, priority?: Priority, size?: Size): string[] {
  return app.keys.shards.flatMap((k) => (priority && size ? [k.stream(priority, size)] : [...k.streams]));
}

/** Sums a numeric reply (XLEN, HLEN, ZCARD) of `command` over every shard's `keyOf`. */
export async function sumOverShards(
  redis: RedisAdapter,
  app: TaskApp,
  command: string,
  keyOf: (k: ShardKeys) => string,
): Promise<number> {
  let total = 0;
  for (const k of app.keys.shards)
    total += Number(await redis.command([command, keyOf(k)], { key: keyOf(k) }));
  return total;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Builds apps under unique prefixes, and closes workers, adapters and keys after each test. */
export function useApps(client: Client = clients()[0] as Client): {
  app(options: Omit<TaskAppOptions, 'redis'> & { redis?: RedisAdapter }): TaskApp;
  worker(app: TaskApp, options?: WorkerOptions): Worker;
  redis(): RedisAdapter;
  /** Another connection (closed after the file), e.g. for "another process". */
  connect(): RedisAdapter;
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
    // A sharded app's keys are under `{prefix:i}`: match them without the closing brace.
    for (const prefix of new Set(prefixes))
      await deleteKeysWithPrefix(redis(), client.shards ? prefix.replace(/\}$/, '') : prefix);
    await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
  });
  return {
    redis,
    connect() {
      const adapter = client.connect();
      adapters.push(adapter);
      return adapter;
    },
    app(options) {
      const prefix = options.prefix ?? `{${testPrefix('core')}}`;
      prefixes.push(prefix);
      return createTaskApp({
        logger: quiet,
        ...(client.shards ? { shards: client.shards } : {}),
        ...options,
        redis: options.redis ?? redis(),
        prefix,
      });
    },
    worker(app, options = {}) {
      const worker = app.createWorker({ blockMs: 200, ...options });
      workers.push(worker);
      void worker.run();
      return worker;
    },
  };
}
