import { describeAdapterConformance } from '@tasks/testing';
import { createClient, createCluster } from 'redis';
import { createNodeRedisAdapter } from '../src/index.js';

type Client = ReturnType<typeof createClient> | ReturnType<typeof createCluster>;

describeAdapterConformance<Client>({
  name: 'node-redis',
  async createClient(target) {
    const client: Client =
      target.kind === 'standalone'
        ? createClient({ url: target.url, RESP: target.protocol })
        : createCluster({
            rootNodes: target.rootNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
            RESP: target.protocol,
          });
    await client.connect();
    return {
      client,
      ping: async () => {
        const reply: unknown =
          'masters' in client
            ? await (client as ReturnType<typeof createCluster>).sendCommand(undefined, false, ['PING'])
            : await client.sendCommand(['PING']);
        return reply === 'PONG';
      },
      close: async () => {
        if (client.isOpen) await client.close();
      },
    };
  },
  fromClient: (client) => createNodeRedisAdapter(client),
  fromUrl: (url, protocol) => createNodeRedisAdapter({ url, RESP: protocol }),
});
