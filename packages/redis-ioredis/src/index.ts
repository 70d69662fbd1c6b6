export {
  createIoredisAdapter,
  type IoredisAdapterInput,
  type IoredisAdapterOptions,
  type IoredisClusterInput,
} from './ioredis-adapter.js';
