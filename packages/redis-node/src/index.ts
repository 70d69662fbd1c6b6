export {
  createNodeRedisAdapter,
  type NodeRedisAdapterInput,
  type NodeRedisAdapterOptions,
} from './node-redis-adapter.js';
