// Every lock test runs on each client adapter, standalone and on the 3-master cluster.
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { deleteKeysWithPrefix, testPrefix } from '@tasks/testing';

export { sleep, waitUntil } from '@tasks/testing';
import { afterAll, inject } from 'vitest';

export interface Target {
  readonly name: string;
  /** A new adapter on its own connection. */
  connect(): RedisAdapter;
}

export function targets(): Target[] {
  const url = inject('redisUrl');
  const cluster = inject('redisCluster');
  const list: Target[] = [
    { name: 'ioredis', connect: () => createIoredisAdapter(url) },
    { name: 'node-redis', connect: () => createNodeRedisAdapter(url) },
  ];
  if (cluster) {
    const nodes = cluster.rootNodes.map((n) => ({ host: n.host, port: n.port }));
    list.push({ name: 'ioredis cluster', connect: () => createIoredisAdapter({ cluster: nodes }) });
    list.push({
      name: 'node-redis cluster',
      connect: () =>
        createNodeRedisAdapter({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) }),
    });
  }
  return list;
}

/**
 * Per-file setup: one adapter per target plus a unique prefix, with cleanup of every key under
 * the prefix (never a flush) and of the connections.
 */
export function useTarget(
  target: Target,
  label: string,
): { redis: () => RedisAdapter; prefix: string; extra: () => RedisAdapter; isCluster: boolean } {
  const prefix = testPrefix(label);
  const opened: RedisAdapter[] = [];
  let main: RedisAdapter | undefined;
  const open = (): RedisAdapter => {
    const adapter = target.connect();
    opened.push(adapter);
    return adapter;
  };
  afterAll(async () => {
    if (main) await deleteKeysWithPrefix(main, prefix);
    await Promise.all(opened.map((a) => a.close()));
  });
  return {
    prefix,
    redis: () => (main ??= open()),
    extra: open,
    isCluster: target.name.includes('cluster'),
  };
}

/** Members in a line of waiters (a ZSET) of a lock. */
export async function lineLength(redis: RedisAdapter, lineKey: string): Promise<number> {
  return Number(await redis.command(['ZCARD', lineKey], { key: lineKey }));
}
