// A scheduler in its own process, for the leader fail-over scenario.
// Env: REDIS_URL, PREFIX, INSTANCE_ID, LEASE_MS, TICK_MS, MISFIRE. Prints "ready", then
// "leader <token>" whenever it becomes the leader.
import { createTaskApp, Keyspace, type MisfirePolicy } from '@tasks/core';
import { connectFromEnv, envInt, quietLogger } from '../connect.js';
import { effectKeys, TickTask } from '../tasks.js';

const connection = connectFromEnv();
const prefix = process.env.PREFIX ?? 'faults';
const app = createTaskApp({
  redis: connection.redis,
  tasks: [TickTask],
  prefix,
  logger: quietLogger,
  dependencies: { effects: effectKeys(new Keyspace(prefix)) },
});
const misfire = (process.env.MISFIRE ?? 'all') as MisfirePolicy;
const scheduler = app.createScheduler({
  leaseMs: envInt('LEASE_MS', 1_000),
  tickMs: envInt('TICK_MS', 100),
  misfire,
  ...(process.env.INSTANCE_ID ? { instanceId: process.env.INSTANCE_ID } : {}),
});
app.on('schedulerLeader', ({ fencingToken }) => console.log(`leader ${fencingToken}`));
process.on('SIGTERM', () => {
  void scheduler
    .close()
    .then(() => connection.close())
    .finally(() => process.exit(0));
});
void scheduler.run();
console.log('ready');
