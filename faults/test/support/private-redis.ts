import type { RedisAdapter } from '@tasks/redis';
import { startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll } from 'vitest';
import { killAllChildren } from './processes.js';
import { adapterFor } from '../../src/connect.js';

/**
 * A private redis-server (and an adapter on it) for one scenario file, started before its
 * tests; afterwards every child process is killed and the server removed.
 */
export function usePrivateRedis(): { readonly server: RedisServer; readonly redis: RedisAdapter } {
  let server: RedisServer | undefined;
  let redis: RedisAdapter | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = adapterFor(server.url);
  });
  afterAll(async () => {
    await killAllChildren();
    await redis?.close();
    await server?.destroy();
  });
  return {
    get server(): RedisServer {
      if (!server) throw new Error('the private Redis is not started yet');
      return server;
    },
    get redis(): RedisAdapter {
      if (!redis) throw new Error('the private Redis is not started yet');
      return redis;
    },
  };
}
