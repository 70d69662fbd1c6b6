// Broker benchmark: @tasks/core against BullMQ on the same private Redis, the same ioredis
// version, one process, no-op tasks, worker concurrency 50 (the anchor report's workload).
// Phases per library, interleaved A/B per round, quiet gate before each:
//   enqueue   N tasks with 50 submissions in flight           → tasks/s, CPU µs per task
//   process   a fresh worker drains the N-task backlog         → tasks/s, CPU µs per task
//   latency   LAT_N tasks submitted at LAT_RATE/s, worker on   → submit→completion p50/p99
// `node broker/broker.mjs` (after the root build); BENCH_QUICK=1 for a smoke run.
import { Redis } from 'ioredis';
import { Queue, Worker as BullWorker } from 'bullmq';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { BaseTask, createTaskApp, Size } from '@tasks/core';
import { CpuMeter, quietGate } from '../lib/meter.mjs';
import { median, percentile } from '../lib/stats.mjs';

const quick = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_BROKER_N ?? (quick ? 3000 : 20000));
const ROUNDS = Number(process.env.BENCH_SAMPLES ?? (quick ? 1 : 3));
const LAT_N = Number(process.env.BENCH_LAT_N ?? (quick ? 300 : 2000));
const LAT_RATE = Number(process.env.BENCH_LAT_RATE ?? 500);
const IN_FLIGHT = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Noop extends BaseTask {
  size = Size.MEDIUM;
  async execute() {
    return null;
  }
}

/** Our side: one app per round (own prefix), on the shared client. */
function ours(client, round) {
  const app = createTaskApp({
    redis: createIoredisAdapter(client),
    tasks: [Noop],
    prefix: `bench-core-${round}`,
  });
  let worker;
  return {
    name: '@tasks/core',
    submit: () => app.submit(new Noop(null)),
    startWorker(onDone) {
      const off = app.on('succeeded', onDone);
      worker = app.createWorker({ concurrency: IN_FLIGHT, sizes: ['medium'] });
      void worker.run();
      return async () => {
        off();
        await worker.close();
      };
    },
    onDoneId: (event) => event.taskId,
    submitId: async () => (await app.submit(new Noop(null))).id,
    cleanup: async () => {
      for await (const key of app.redis.scan(`${app.keys.root}*`))
        await app.redis.command(['UNLINK', key], { key });
      await app.redis.close(); // its own connections only (the subscriber); never the shared client
    },
  };
}

/** BullMQ side: one queue per round, same client options; defaults (completed jobs kept). */
function bull(url, round) {
  const name = `bench-bull-${round}`;
  // BullMQ never closes a connection it was given: the bench quits them itself.
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  return {
    name: 'BullMQ',
    submit: () => queue.add('noop', null),
    startWorker(onDone) {
      const worker = new BullWorker(name, async () => null, {
        connection: new Redis(url, { maxRetriesPerRequest: null }),
        concurrency: IN_FLIGHT,
      });
      worker.on('completed', onDone);
      return async () => {
        await worker.close();
        await worker.opts.connection.quit?.();
      };
    },
    onDoneId: (job) => job.id,
    submitId: async () => (await queue.add('noop', null)).id,
    cleanup: async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    },
  };
}

async function enqueuePhase(lib, meter) {
  let i = 0;
  const a = await meter.snapshot();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (i < N) {
        i++;
        await lib.submit();
      }
    }),
  );
  const b = await meter.snapshot();
  return CpuMeter.diff(a, b, N);
}

async function processPhase(lib, meter) {
  let done = 0;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const a = await meter.snapshot();
  const stop = lib.startWorker(() => {
    if (++done === N) resolve();
  });
  await finished;
  const b = await meter.snapshot();
  await stop();
  return CpuMeter.diff(a, b, N);
}

async function latencyPhase(lib) {
  const started = new Map();
  const latencies = [];
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const stop = lib.startWorker((event) => {
    const t0 = started.get(String(lib.onDoneId(event)));
    if (t0 !== undefined) latencies.push(performance.now() - t0);
    if (latencies.length === LAT_N) resolve();
  });
  await sleep(300);
  const t0 = performance.now();
  for (let k = 0; k < LAT_N; k++) {
    const wait = t0 + (k * 1000) / LAT_RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const s = performance.now();
    const id = String(await lib.submitId());
    if (!started.has(id)) started.set(id, s);
  }
  await Promise.race([finished, sleep(30_000)]);
  await stop();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    n: latencies.length,
  };
}

const server = await startRedisServer();
const client = new Redis(server.url, { maxRetriesPerRequest: null });
const control = new Redis(server.url);
const meter = new CpuMeter(control);
const results = { '@tasks/core': [], BullMQ: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['ours', 'bull'] : ['bull', 'ours'];
    for (const which of order) {
      const lib = which === 'ours' ? ours(client, round) : bull(server.url, round);
      const gate1 = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 2000 : 15000 });
      const enqueue = await enqueuePhase(lib, meter);
      const gate2 = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 2000 : 15000 });
      const process_ = await processPhase(lib, meter);
      const latency = await latencyPhase(lib);
      await lib.cleanup();
      results[lib.name].push({ enqueue, process: process_, latency, gates: [gate1.passed, gate2.passed] });
      console.error(
        `round ${round} ${lib.name}: enqueue ${Math.round(N / (enqueue.wallMs / 1000))}/s, process ${Math.round(N / (process_.wallMs / 1000))}/s, p99 ${latency.p99.toFixed(2)} ms`,
      );
    }
  }
} finally {
  client.disconnect();
  control.disconnect();
  await server.destroy();
}

const m = (lib, f) => median(results[lib].map(f));
const rows = [
  ['enqueue, 50 in flight (tasks/s)', (r) => N / (r.enqueue.wallMs / 1000), 1.5, 'higher'],
  ['process backlog, concurrency 50 (tasks/s)', (r) => N / (r.process.wallMs / 1000), 2.0, 'higher'],
  [
    'CPU per processed task, node + redis (µs)',
    (r) => r.process.nodeUsPerOp + r.process.redisUsPerOp,
    0.5,
    'lower',
  ],
  [
    'CPU per submitted task, node + redis (µs)',
    (r) => r.enqueue.nodeUsPerOp + r.enqueue.redisUsPerOp,
    null,
    'lower',
  ],
  ['Redis calls per processed task', (r) => r.process.redisCallsPerOp, null, 'lower'],
  [`latency p50 at ${LAT_RATE}/s (ms)`, (r) => r.latency.p50, null, 'lower'],
  [`latency p99 at ${LAT_RATE}/s (ms)`, (r) => r.latency.p99, 1.0, 'lower'],
];
console.log(`\n## Broker: @tasks/core vs BullMQ — N = ${N}, ${ROUNDS} interleaved rounds, medians\n`);
console.log('| case | @tasks/core | BullMQ | ratio | target | met |');
console.log('|---|---:|---:|---:|---:|:---:|');
for (const [label, f, target, better] of rows) {
  const a = m('@tasks/core', f);
  const b = m('BullMQ', f);
  const ratio = a / b;
  const met =
    target === null
      ? ''
      : better === 'higher'
        ? ratio >= target
          ? 'yes'
          : 'no'
        : ratio <= target
          ? 'yes'
          : 'no';
  const t = target === null ? '' : `${better === 'higher' ? '≥' : '≤'} ${target}×`;
  console.log(
    `| ${label} | ${a.toFixed(a < 100 ? 2 : 0)} | ${b.toFixed(b < 100 ? 2 : 0)} | ${ratio.toFixed(2)}× | ${t} | ${met} |`,
  );
}
