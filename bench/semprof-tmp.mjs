import { startRedisServer } from '@tasks/testing';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { ConcurrencyLimiter, LockedObjectType } from '@tasks/locks';
import Redis from 'ioredis';
const server = await startRedisServer();
const client = new Redis(server.url);
const redis = createIoredisAdapter(client);
let ops = 0; let stop = false;
const prefix = 'p' + Date.now();
async function worker() {
  while (!stop) {
    const sem = new ConcurrencyLimiter(LockedObjectType.TASK, 'sem', { limit: 5, ttlMs: 10_000, prefix });
    if (!(await sem.acquire(redis, { waitMs: 60_000 }))) throw new Error('no');
    await new Promise((r) => setImmediate(r));
    await sem.release(redis);
    ops++;
  }
}
const ws = Array.from({ length: 50 }, worker);
await new Promise((r) => setTimeout(r, 500)); ops = 0;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(process.env.MS ?? 5000)));
console.log('ops/s', Math.round(ops / ((performance.now() - t0) / 1000)));
stop = true; await Promise.all(ws);
await redis.close(); client.disconnect(); await server.destroy();
