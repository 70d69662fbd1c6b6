// A worker in its own process, killed and restarted by the fault scenarios.
// Env: REDIS_URL or CLUSTER_NODES, PREFIX, IDLE_MS, MAX_DELIVERIES, CONCURRENCY,
// RESCHEDULE_BASE_MS, RESCHEDULE_MAX_MS. Prints "ready" once started, and one
// "error <where>: <message>" line per infrastructure error the worker reports.
import { createTaskApp, Keyspace } from '@tasks/core';
import { connectFromEnv, envInt, quietLogger } from '../connect.js';
import { effectKeys, FAULT_TASKS } from '../tasks.js';

const connection = connectFromEnv();
const prefix = process.env.PREFIX ?? 'faults';
const app = createTaskApp({
  redis: connection.redis,
  tasks: [...FAULT_TASKS],
  prefix,
  shards: envInt('SHARDS', 1),
  logger: quietLogger,
  dependencies: { effects: effectKeys(new Keyspace(prefix)) },
});
const worker = app.createWorker({
  idleTimeoutMs: envInt('IDLE_MS', 1_000),
  maxDeliveries: envInt('MAX_DELIVERIES', 20),
  concurrency: envInt('CONCURRENCY', 10),
  blockMs: 200,
  rescheduleDelayMs: { base: envInt('RESCHEDULE_BASE_MS', 50), max: envInt('RESCHEDULE_MAX_MS', 200) },
});
app.on('workerError', ({ where, error }) => {
  console.log(`error ${where}: ${error instanceof Error ? error.message : String(error)}`);
});
process.on('SIGTERM', () => {
  void worker
    .close({ timeoutMs: 1_000 })
    .then(() => connection.close())
    .finally(() => process.exit(0));
});
worker.run().catch((error: unknown) => {
  console.log(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log('ready');
