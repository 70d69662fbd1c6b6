import { describeAdapterTrouble } from '@tasks/testing';
import { createIoredisAdapter } from '../src/index.js';

describeAdapterTrouble({
  name: 'ioredis',
  fromUrl: (url, options) => createIoredisAdapter(url, options),
  fromTlsUrl: (url, ca, options) => {
    const { hostname, port } = new URL(url);
    return createIoredisAdapter({ host: hostname, port: Number(port), tls: { ca } }, options);
  },
});
