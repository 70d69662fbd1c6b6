export {
  describeAdapterConformance,
  type AdapterUnderTest,
  type ConformanceTarget,
  type OwnedClient,
} from './conformance.js';
export { describeAdapterFailures, type AdapterFactoryUnderTest } from './failure-suite.js';
export { describeAdapterTrouble, type AdapterTroubleUnderTest } from './trouble-suite.js';
export { startRedisCluster, type RedisCluster, type RedisClusterOptions } from './cluster.js';
export { deleteKeysWithPrefix, testPrefix } from './prefix.js';
export type { ClusterInfo } from './provided.js';
export {
  freePort,
  rawCommand,
  startRedisServer,
  type RedisServer,
  type RedisServerOptions,
} from './redis-server.js';
export { exampleRedis, type ExampleRedis } from './example-redis.js';
export { makeTestCertificates, type TestCertificates } from './tls.js';
export { sleep, waitUntil } from './wait.js';
