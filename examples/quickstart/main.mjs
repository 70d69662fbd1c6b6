// Quick start: the same script through both client adapters, against a real Redis.
import { defineScript, withPrefix } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { exampleRedis } from '@tasks/testing';

const prefix = `quickstart:${process.pid}`;
const bump = defineScript('bump', 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");

const redis = await exampleRedis();
try {
  for (const [name, adapter] of [
    ['ioredis', createIoredisAdapter(redis.url)],
    ['node-redis', createNodeRedisAdapter(redis.url)],
  ]) {
    const key = withPrefix(prefix, 'counter');
    const value = await adapter.evalScript(bump, [key], [5]);
    const now = new Date(await adapter.time());
    console.log(`${name.padEnd(10)} script returned ${value}, server time ${now.toISOString()}`);
    await adapter.command(['DEL', key]);
    await adapter.close();
  }
} finally {
  await redis.stop();
}
