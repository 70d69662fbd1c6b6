// The adapter matrix every behaviour file runs across: each client, standalone and on the
// 3-master test cluster (when the package's vitest config starts one).
import type { RedisAdapter } from '@tasks/redis';
import { inject } from 'vitest';

/** How to build one client's adapter, standalone and on a cluster. */
export interface ClientFactory {
  /** e.g. `'ioredis'`. */
  readonly name: string;
  standalone(url: string): RedisAdapter;
  cluster(nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>): RedisAdapter;
}

/** One place a test runs: a client, standalone or on the cluster. */
export interface AdapterTarget {
  /** e.g. `'ioredis'`, `'node-redis cluster'`. */
  readonly name: string;
  readonly cluster: boolean;
  /** A new adapter on its own connections (the caller closes it). */
  connect(): RedisAdapter;
}

/**
 * The targets of a test file: every client standalone, then every client on the test cluster
 * when one runs. Factories are passed in (this package must not depend on the adapters, whose
 * own tests use it).
 *
 * @example
 * ```ts
 * describe.each(adapterTargets([ioredisFactory, nodeRedisFactory]))('on $name', (target) => { ... });
 * ```
 */
export function adapterTargets(clients: readonly ClientFactory[]): AdapterTarget[] {
  const url = inject('redisUrl');
  const cluster = inject('redisCluster');
  const list: AdapterTarget[] = clients.map((c) => ({
    name: c.name,
    cluster: false,
    connect: () => c.standalone(url),
  }));
  if (cluster) {
    const nodes = cluster.rootNodes.map((n) => ({ host: n.host, port: n.port }));
    for (const c of clients)
      list.push({ name: `${c.name} cluster`, cluster: true, connect: () => c.cluster(nodes) });
  }
  return list;
}
