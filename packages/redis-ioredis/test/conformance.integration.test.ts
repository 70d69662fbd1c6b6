import { describeAdapterConformance } from '@tasks/testing';
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
