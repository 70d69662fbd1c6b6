// The quick start — the main job against a real Redis: a scheduler and a worker, periodic
// tasks (interval and cron), submitted tasks of several priorities and sizes, a retry, a
// dead-lettered task, a lock-guarded task, a fan-out/fan-in job, then a status table.
// `npx -y pnpm@12.4.2 run quickstart` (from a clone), or `node main.mjs` with TASKS_REDIS_URL.
import { createTaskApp } from '@tasks/core';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import * as tasks from './tasks.mjs';

const url = process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `quickstart:${process.pid}`; // every key of this run lives under {quickstart:<pid>}
const redis = createIoredisAdapter(url);
try {
  await redis.command(['PING']); // fails fast and says why: unreachable, wrong password, not Redis
} catch (error) {
  console.error(`✗ ${error.message}`);
  await redis.close();
  process.exit(1);
}

const app = createTaskApp({ redis, prefix, tasks: tasks.ALL });
const label = new Map();
const show = (id) => label.get(id) ?? '';
app.on('succeeded', (e) =>
  console.log(`  ✓ ${e.name.padEnd(14)} ${show(e.taskId)} (attempt ${e.attempt}, ${e.durationMs} ms)`),
);
app.on('retried', (e) =>
  console.log(`  ↻ ${e.name.padEnd(14)} ${show(e.taskId)} failed, retry #${e.attempt} scheduled`),
);
app.on('deadLettered', (e) =>
  console.log(`  ✗ ${e.name.padEnd(14)} ${show(e.taskId)} dead-lettered: ${e.reason}`),
);
app.on('periodicSubmitted', (e) =>
  console.log(`  ⏰ ${e.name.padEnd(13)} occurrence ${new Date(e.occurrence).toISOString().slice(11, 19)}`),
);
app.on('groupFired', (e) => console.log(`  ⇉ group ${e.groupId.slice(0, 8)} complete: callback submitted`));

app.createWorker({ concurrency: 4 }).run();
app.createScheduler({ tickMs: 200 }).run();
try {
  console.log(`Redis ${redis.target} — a worker and a scheduler are running.\n`);
  const submit = async (task, text) => {
    const handle = await app.submit(task);
    label.set(handle.id, text);
    return handle;
  };
  const handles = [
    ...(await Promise.all(
      ['a.png', 'b.png', 'c.png'].map((image) => submit(new tasks.ResizeImage({ image, width: 640 }), image)),
    )),
    await submit(new tasks.MonthlyReport({ month: '2026-11' }), '2026-11'),
    await submit(new tasks.SyncAccount({ account: 42, lockPrefix: prefix }), 'account 42'),
    await submit(new tasks.ChargeCard({ card: '4242' }), 'card 4242'),
    await submit(
      new tasks.IndexDocuments({ documents: ['to be or not', 'that is the question', 'whether tis nobler'] }),
      '3 docs',
    ),
  ];
  const outcomes = await Promise.allSettled(handles.map((h) => h.result({ timeoutMs: 15_000 })));
  await new Promise((r) => setTimeout(r, 4_500)); // let the periodic tasks fire a few times

  console.log('\nResults');
  outcomes.forEach((o, i) =>
    console.log(
      `  ${show(handles[i].id).padEnd(12)} ${o.status === 'fulfilled' ? o.value : `✗ ${o.reason.message}`}`,
    ),
  );
  const status = await app.status();
  console.log('\nStatus');
  console.log('  stream               waiting  running');
  for (const s of status.streams)
    console.log(
      `  ${`${s.priority}:${s.size}`.padEnd(20)} ${String(s.length).padStart(7)}  ${String(s.pending).padStart(7)}`,
    );
  console.log(
    `  delayed ${status.delayed} · dead-lettered ${status.deadLettered} · workers ${status.workers.length} · scheduler leader: ${status.scheduler ? 'yes' : 'no'}`,
  );
  for (const dead of await app.dlq.list())
    console.log(
      `  DLQ ${dead.taskName} ${JSON.stringify(dead.args)}: ${dead.errors.length} attempts, last error "${dead.errors.at(-1)?.message}"`,
    );
} finally {
  await app.close({ closeRedis: false }); // the worker and scheduler stop gracefully
  for await (const key of redis.scan(`${app.keys.root}*`)) await redis.command(['DEL', key], { key });
  for await (const key of redis.scan(`${prefix}:*`)) await redis.command(['DEL', key], { key }); // the account lock
  await redis.close();
}
