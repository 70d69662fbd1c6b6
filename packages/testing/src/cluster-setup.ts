// Vitest globalSetup: a real 3-master Redis Cluster on loopback ports, handed to tests as
// inject('redisCluster'). TASKS_REDIS_CLUSTER_NODES="127.0.0.1:7000,127.0.0.1:7001" uses an
// existing cluster instead. Use together with global-setup (this file must come after it).
import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './cluster.js';
import './provided.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.TASKS_REDIS_CLUSTER_NODES;
  if (external) {
    const rootNodes = external.split(',').map((address) => {
      const [host = '127.0.0.1', port = '6379'] = address.trim().split(':');
      return { host, port: Number(port) };
    });
    project.provide('redisCluster', { rootNodes });
    return undefined;
  }
  const cluster = await startRedisCluster({ masters: 3 });
  project.provide('redisCluster', { rootNodes: cluster.rootNodes });
  return () => cluster.destroy();
}
