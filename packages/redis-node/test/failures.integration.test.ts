import { describeAdapterFailures } from '@tasks/testing';
import { createNodeRedisAdapter } from '../src/index.js';

describeAdapterFailures({
  name: 'node-redis',
  fromUrl: (url, options) => createNodeRedisAdapter(url, options),
});
