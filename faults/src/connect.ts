// Builds the Redis adapter of a fault process: a URL (standalone) or cluster startup nodes.
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { Cluster } from 'ioredis';

/** A connection and how to close everything it opened. */
export interface FaultConnection {
  readonly redis: RedisAdapter;
  close(): Promise<void>;
}

/** Cluster startup nodes, as `startRedisCluster().rootNodes` gives them. */
export type ClusterNodes = ReadonlyArray<{ host: string; port: number }>;

/** The client the suite runs on: `FAULTS_CLIENT` (`ioredis`, the default, or `node-redis`). */
export function faultClient(): 'ioredis' | 'node-redis' {
  const name = process.env.FAULTS_CLIENT ?? 'ioredis';
  if (name !== 'ioredis' && name !== 'node-redis')
    throw new Error(`FAULTS_CLIENT must be ioredis or node-redis, got ${name}`);
  return name;
}

/** An adapter of the {@link faultClient} on a standalone server (the caller closes it). */
export function adapterFor(url: string): RedisAdapter {
  return faultClient() === 'node-redis' ? createNodeRedisAdapter(url) : createIoredisAdapter(url);
}

/**
 * Connects to a standalone server by URL, or to a cluster by its startup nodes, with the
 * client of {@link faultClient}. For the
 * cluster the ioredis `Cluster` is built here and handed to the adapter, because
 * `createIoredisAdapter({ cluster })` does not build a cluster client (see FAULTS.md, bug 1).
 * Commands wait through reconnects and fail-overs instead of failing after a few retries.
 */
export function connect(target: string | ClusterNodes): FaultConnection {
  const ports =
    typeof target === 'string' ? [Number(new URL(target).port || 6379)] : target.map((n) => n.port);
  if (ports.includes(6379))
    throw new Error('the fault suite only talks to servers it started itself, never to port 6379');
  if (typeof target === 'string') {
    const redis =
      faultClient() === 'node-redis' ? createNodeRedisAdapter(target) : createIoredisAdapter(target);
    return { redis, close: () => redis.close() };
  }
  if (faultClient() === 'node-redis') {
    const redis = createNodeRedisAdapter({
      rootNodes: target.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
    });
    return { redis, close: () => redis.close() };
  }
  const cluster = new Cluster(
    target.map((n) => ({ ...n })),
    { redisOptions: { maxRetriesPerRequest: null }, retryDelayOnClusterDown: 200, maxRedirections: 64 },
  );
  cluster.on('error', () => undefined);
  const redis = createIoredisAdapter(cluster);
  return {
    redis,
    async close() {
      await redis.close();
      cluster.disconnect();
    },
  };
}

/** The connection named by the environment: CLUSTER_NODES (JSON) or REDIS_URL. */
export function connectFromEnv(): FaultConnection {
  const nodes = process.env.CLUSTER_NODES;
  if (nodes) return connect(JSON.parse(nodes) as ClusterNodes);
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('set REDIS_URL or CLUSTER_NODES');
  return connect(url);
}

/** A logger that drops everything (the scenarios assert on Redis state, not on logs). */
export const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** An integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${text}`);
  return value;
}
