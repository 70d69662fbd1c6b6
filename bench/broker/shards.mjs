// Scale-out benchmark: one app on the 3-master test cluster, `shards: 1` against `shards: 3`.
// For each layout: submit TASKS no-op tasks (submitMany), run them with WORKERS workers, and
// read every master's INFO commandstats and CPU before and after. Reports the commands each
// master executed for the app (their spread: the evidence that the load is shared), Redis CPU
// per task, and throughput (on this 2-core machine the masters share the cores, so more
// masters cannot show as more tasks/s: the per-master share is what shows the scale-out).
// `node broker/shards.mjs` (after the root build). Env: BENCH_TASKS (default 20000),
// BENCH_QUICK=1 (5000), BENCH_SAMPLES (default 2, quick 1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { BaseTask, createTaskApp } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisCluster } from '@tasks/testing';

const QUICK = process.env.BENCH_QUICK === '1';
const TASKS = Number(process.env.BENCH_TASKS ?? (QUICK ? 5_000 : 20_000));
const ROUNDS = Number(process.env.BENCH_SAMPLES ?? (QUICK ? 1 : 2));
const WORKERS = 2;
const CONCURRENCY = 100;

class Noop extends BaseTask {
  async execute() {
    return null;
  }
}

/** Total calls and CPU seconds of one node (commands of the benchmark's own probes left out). */
async function snapshot(node) {
  const stats = await node.info('commandstats');
  let calls = 0;
  for (const line of stats.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (
      m &&
      !['info', 'cluster', 'ping', 'client', 'hello', 'command', 'config', 'readonly'].includes(
        m[1].split('|')[0],
      )
    )
      calls += Number(m[2]);
  }
  const cpu = await node.info('cpu');
  const sec = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpu)?.[1] ?? 0);
  return { calls, cpu: sec('used_cpu_sys') + sec('used_cpu_user') };
}

async function runLayout(cluster, masters, shards, round) {
  const redis = createIoredisAdapter({ cluster: cluster.rootNodes.map((n) => ({ ...n })) });
  const app = createTaskApp({
    redis,
    tasks: [Noop],
    prefix: `{bench-shards-${shards}-${round}-${Date.now()}}`,
    shards,
    eventsMaxLen: 0,
    logger: { info() {}, warn: console.warn, error: console.error },
  });
  const placement = await app.shardPlacement();
  const before = await Promise.all(masters.map(snapshot));
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i += 5_000)
    await app.submitMany(Array.from({ length: Math.min(5_000, TASKS - i) }, () => new Noop(null)));
  const t1 = performance.now();
  let done = 0;
  app.on('succeeded', () => done++);
  const workers = Array.from({ length: WORKERS }, () => app.createWorker({ concurrency: CONCURRENCY }));
  for (const w of workers) void w.run();
  while (done < TASKS) await new Promise((r) => setTimeout(r, 20));
  const t2 = performance.now();
  const after = await Promise.all(masters.map(snapshot));
  await app.close();
  const perMaster = after.map((a, i) => ({ calls: a.calls - before[i].calls, cpu: a.cpu - before[i].cpu }));
  return {
    shards,
    enqueuePerSec: TASKS / ((t1 - t0) / 1000),
    processPerSec: TASKS / ((t2 - t1) / 1000),
    perMaster,
    placement: placement?.placement.map((p) => `${p.tag}→${p.master}`) ?? [],
  };
}

/** Redis CPU per lock operation: LOCK_OPS mutex acquire+release pairs, 50 in flight. */
async function lockCpu(cluster, masters) {
  const ops = Math.max(2_000, Math.floor(TASKS / 2));
  const redis = createIoredisAdapter({ cluster: cluster.rootNodes.map((n) => ({ ...n })) });
  const before = await Promise.all(masters.map(snapshot));
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async (_, w) => {
      while (next < ops) {
        next++;
        const lock = new MutexLock(LockedObjectType.JOB, `bench-shards-${w}`);
        await lock.acquire(redis);
        await lock.release(redis);
      }
    }),
  );
  const after = await Promise.all(masters.map(snapshot));
  await redis.close();
  const cpu = after.reduce((a, s, i) => a + s.cpu - before[i].cpu, 0);
  return { ops, cpuPerOp: cpu / (ops * 2) }; // per acquire or release
}

const cluster = await startRedisCluster({ masters: 3 });
const masters = cluster.rootNodes.map((n) => new Redis({ host: n.host, port: n.port, lazyConnect: false }));
try {
  const results = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const shards of [1, 3]) results.push(await runLayout(cluster, masters, shards, round));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\n## Scale-out on a 3-master cluster (${TASKS} no-op tasks, ${WORKERS} workers × ${CONCURRENCY}, median of ${ROUNDS})\n`,
  );
  console.log(
    '| shards | enqueue tasks/s | process tasks/s | commands per master (share of the mean) | spread | Redis CPU µs/task | placement |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const summary = {};
  for (const shards of [1, 3]) {
    const rows = results.filter((r) => r.shards === shards);
    const calls = [0, 1, 2].map((i) => median(rows.map((r) => r.perMaster[i].calls)));
    const mean = calls.reduce((a, b) => a + b, 0) / calls.length;
    const spread = Math.max(...calls.map((c) => Math.abs(c - mean) / mean));
    const cpuPerTask = median(rows.map((r) => r.perMaster.reduce((a, m) => a + m.cpu, 0))) / TASKS;
    summary[shards] = {
      enqueue: median(rows.map((r) => r.enqueuePerSec)),
      process: median(rows.map((r) => r.processPerSec)),
      calls,
      spread,
      cpuPerTask,
    };
    console.log(
      `| ${shards} | ${summary[shards].enqueue.toFixed(0)} | ${summary[shards].process.toFixed(0)} | ${calls
        .map((c) => `${c} (${(c / mean).toFixed(2)})`)
        .join(
          ', ',
        )} | ±${(spread * 100).toFixed(0)} % | ${(cpuPerTask * 1e6).toFixed(1)} | ${rows[0].placement.join(' ')} |`,
    );
  }
  const locks = await lockCpu(cluster, masters);
  console.log(
    `\nRedis CPU per lock operation (mutex acquire or release, ${locks.ops} pairs): ${(locks.cpuPerOp * 1e6).toFixed(1)} µs`,
  );
  const ratio = summary[3].process / summary[1].process;
  console.log(
    `\nshards: 3 spread ±${(summary[3].spread * 100).toFixed(0)} % (target ≤ ±20 %): ${summary[3].spread <= 0.2 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `throughput shards: 3 / shards: 1 = ${ratio.toFixed(2)} (target ≥ 0.90): ${ratio >= 0.9 ? 'met' : 'NOT met'}`,
  );
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`../results/shards-${Date.now()}.json`, import.meta.url),
    JSON.stringify({ TASKS, results, summary, locks }, null, 2),
  );
} finally {
  for (const m of masters) m.disconnect();
  await cluster.destroy();
}
