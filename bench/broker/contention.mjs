// Contention benchmark: tasks refused by a concurrency limiter come back when a slot frees.
// Cases (one private Redis, one worker of concurrency 50, tasks sleep HOLD_MS):
//   limit 1, 3 tasks   → time until all are done (target ≤ 2 s for 200 ms tasks)
//   limit 5, 50 tasks  → makespan / ideal makespan (ideal = ceil(50 / 5) × HOLD_MS; target ≤ 1.5)
// `node broker/contention.mjs` (after the root build).
import { LockedObjectType, ConcurrencyLimiter } from '@tasks/locks';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { BaseTask, createTaskApp } from '@tasks/core';

const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 200);
const ROUNDS = Number(process.env.BENCH_SAMPLES ?? (process.env.BENCH_QUICK === '1' ? 1 : 3));

class Held extends BaseTask {
  get executionLocks() {
    return [new ConcurrencyLimiter(LockedObjectType.JOB, 'contention', { limit: this.args.limit })];
  }
  async execute() {
    await new Promise((r) => setTimeout(r, HOLD_MS));
    return null;
  }
}

async function run(url, round, limit, count) {
  const app = createTaskApp({
    redis: createIoredisAdapter(url),
    tasks: [Held],
    prefix: `contention-${round}-${limit}`,
  });
  const worker = app.createWorker({ concurrency: 50 });
  void worker.run();
  try {
    const started = performance.now();
    const handles = await Promise.all(Array.from({ length: count }, () => app.submit(new Held({ limit }))));
    await Promise.all(handles.map((h) => h.result({ timeoutMs: 120_000 })));
    return performance.now() - started;
  } finally {
    await app.close();
  }
}

const server = await startRedisServer();
try {
  const rows = [];
  for (const [limit, count] of [
    [1, 3],
    [5, 50],
  ]) {
    const samples = [];
    for (let round = 0; round < ROUNDS; round++) samples.push(await run(server.url, round, limit, count));
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)];
    const ideal = Math.ceil(count / limit) * HOLD_MS;
    const met = limit === 1 ? median <= 10 * HOLD_MS : median <= 1.5 * ideal;
    rows.push({ limit, count, median, ideal, met });
  }
  console.log(`\n## Contention (tasks of ${HOLD_MS} ms under a concurrency limiter, median of ${ROUNDS})\n`);
  console.log('| case | all done (ms) | ideal makespan (ms) | ratio | target | met |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const target = r.limit === 1 ? `≤ ${10 * HOLD_MS} ms` : '≤ 1.5 × ideal';
    console.log(
      `| limit ${r.limit}, ${r.count} tasks | ${r.median.toFixed(0)} | ${r.ideal} | ${(r.median / r.ideal).toFixed(2)} | ${target} | ${r.met ? 'yes' : 'no'} |`,
    );
  }
} finally {
  await server.destroy();
}
