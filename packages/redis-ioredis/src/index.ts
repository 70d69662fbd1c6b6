export { createIoredisAdapter, type IoredisAdapterInput } from './ioredis-adapter.js';
