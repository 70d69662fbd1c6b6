export { createNodeRedisAdapter, type NodeRedisAdapterInput } from './node-redis-adapter.js';
