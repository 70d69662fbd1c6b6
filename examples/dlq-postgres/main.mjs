// The dead-letter queue kept in PostgreSQL: tasks dead-lettered by a worker are forwarded from
// Redis to PostgreSQL, listed with filters, and one is replayed. `npx -y pnpm@12.4.2 example
// dlq-postgres` (from a clone), or `node main.mjs` with TASKS_REDIS_URL and DATABASE_URL set.
// It works in a schema of its own and drops it at the end.
import { BaseTask, createTaskApp } from '@tasks/core';
import { createPostgresDeadLetterStore } from '@tasks/dlq-postgres';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import pg from 'pg';

class ChargeCard extends BaseTask {
  dlqEligible = true;
  async execute() {
    throw new Error(`card declined for order ${this.args.order}`);
  }
}

class ShipParcel extends BaseTask {
  dlqEligible = true;
  async execute() {
    throw new Error('carrier API down');
  }
}

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
const schema = `dlq_example_${process.pid}`;
const store = createPostgresDeadLetterStore({ connection: pool, schema });
const migrated = await store.migrate();
console.log(
  `Schema ${schema}: version ${migrated.version} (applied ${migrated.applied.join(', ') || 'none'})`,
);

const app = createTaskApp({
  redis: createIoredisAdapter(process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379'),
  tasks: [ChargeCard, ShipParcel],
  prefix: `dlq-example-${process.pid}`,
  logger: { info() {}, warn() {}, error: console.error },
  deadLetterStore: store,
});
try {
  const worker = app.createWorker();
  void worker.run();
  const handles = await app.submitMany([
    new ChargeCard({ order: 'A-1' }),
    new ChargeCard({ order: 'A-2' }),
    new ShipParcel({ parcel: 'P-9' }),
  ]);
  await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 }).catch(() => undefined)));
  await app.dlq.forward(); // the worker forwards in the background; this makes it now

  const { rows } = await pool.query(
    `SELECT task_name, args->>'order' AS order, reason FROM "${schema}".dead_letters ORDER BY task_name, args->>'order'`,
  );
  console.log(`\nIn PostgreSQL (${rows.length} rows), still in Redis: ${await app.dlq.pending()}`);
  for (const row of rows)
    console.log(`  ${row.task_name.padEnd(10)} ${String(row.order ?? '-').padEnd(4)} ${row.reason}`);

  const cards = await app.dlq.list({ taskName: 'ChargeCard' });
  console.log(
    `\nChargeCard entries: ${cards
      .map((e) => e.args.order)
      .sort()
      .join(', ')}`,
  );
  const replay = await app.dlq.replay(cards[0].id);
  await replay.result({ timeoutMs: 10_000 }).catch(() => undefined);
  const [replayed] = await app.dlq.list({ replayed: true });
  console.log(`Replayed ${replayed.id} as ${replay.id} (same: ${replayed.replayTaskId === replay.id})`);
  console.log(`Not replayed now: ${await app.dlq.size()} (the replay failed again: a new entry)`);
} finally {
  await app.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
