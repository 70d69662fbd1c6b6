// Vitest globalSetup: a throwaway redis-server on a free loopback port for this package's tests
// (or the server named by TASKS_REDIS_URL), handed to tests as inject('redisUrl').
import type { TestProject } from 'vitest/node';
import './provided.js';
import { startRedisServer } from './redis-server.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('redisCluster', null);
  const external = process.env.TASKS_REDIS_URL;
  if (external) {
    project.provide('redisUrl', external);
    return undefined;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.destroy();
}
