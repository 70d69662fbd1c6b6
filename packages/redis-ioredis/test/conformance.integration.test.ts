import { describeAdapterConformance, testPrefix } from '@tasks/testing';
import { describe, expect, inject, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createIoredisAdapter } from '../src/index.js';

describeAdapterConformance<Redis | Cluster>({
  name: 'ioredis',
  async createClient(target) {
    const client =
      target.kind === 'standalone'
        ? new Redis(target.url, { protocol: target.protocol })
        : new Cluster([...target.rootNodes], { redisOptions: { protocol: target.protocol } });
    await client.ping();
    return {
      client,
      ping: async () => (await client.ping()) === 'PONG',
      close: async () => {
        client.disconnect();
      },
    };
  },
  fromClient: (client) => createIoredisAdapter(client),
  fromUrl: (url, protocol) => createIoredisAdapter({ ...redisOptionsFromUrl(url), protocol }),
});

function redisOptionsFromUrl(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

describe('createIoredisAdapter({ cluster })', () => {
  it('creates and owns a real cluster client', async () => {
    const cluster = inject('redisCluster');
    if (!cluster) throw new Error('this package runs with a test cluster');
    const adapter = createIoredisAdapter({ cluster: cluster.rootNodes.map((n) => ({ ...n })) });
    expect(adapter.isCluster).toBe(true);
    const key = `{${testPrefix('owned-cluster')}}:k`;
    expect(await adapter.command(['SET', key, 'v'], { key })).toBe('OK');
    expect(await adapter.command(['DEL', key], { key })).toBe(1);
    await adapter.close();
    await expect(adapter.command(['PING'])).rejects.toThrow();
  });
});
