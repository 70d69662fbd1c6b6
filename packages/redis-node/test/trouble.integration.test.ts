import { describeAdapterTrouble } from '@tasks/testing';
import { createNodeRedisAdapter } from '../src/index.js';

describeAdapterTrouble({
  name: 'node-redis',
  fromUrl: (url, options) => createNodeRedisAdapter(url, options),
  fromTlsUrl: (url, ca, options) => createNodeRedisAdapter({ url, socket: { tls: true, ca } }, options),
});
