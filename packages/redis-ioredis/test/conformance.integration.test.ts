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

describe('write coalescing', () => {
  it('sends the commands of one tick in few writes, in order, with every reply intact', async () => {
    const url = inject('redisUrl');
    const client = new Redis(url);
    await client.ping();
    const adapter = createIoredisAdapter(client);
    const stream = client.stream as unknown as {
      _write: (...a: unknown[]) => void;
      _writev: (...a: unknown[]) => void;
    };
    let writes = 0;
    const write = stream._write.bind(stream);
    const writev = stream._writev.bind(stream);
    stream._write = (...a) => {
      writes++;
      write(...a);
    };
    stream._writev = (...a) => {
      writes++;
      writev(...a);
    };
    const key = testPrefix('coalesce');
    try {
      const replies = Array.from({ length: 40 }, () => adapter.command(['INCR', key], { key }));
      expect(await Promise.all(replies)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // 40 commands in one tick: batches of at most 12, so 4 or 5 writes, not 40.
      expect(writes).toBeGreaterThanOrEqual(4);
      expect(writes).toBeLessThanOrEqual(5);
      // The socket is uncorked at the end of the tick: a later lone command still goes out.
      expect(await adapter.command(['GET', key], { key })).toBe('40');
    } finally {
      await client.del(key);
      client.disconnect();
    }
  });
});
