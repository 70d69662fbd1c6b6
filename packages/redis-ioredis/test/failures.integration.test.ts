import { describeAdapterFailures } from '@tasks/testing';
import { createIoredisAdapter } from '../src/index.js';

describeAdapterFailures({
  name: 'ioredis',
  fromUrl: (url, options) => createIoredisAdapter(url, options),
});
