// Broker benchmark: @tasks/core against BullMQ on the same private Redis, the same ioredis
// version, one process, no-op tasks, worker concurrency 50 (the anchor report's workload).
// Phases per library, interleaved A/B per round, quiet gate before each:
//   enqueue   N tasks with 50 submissions in flight           → tasks/s, CPU µs per task
//   process   a fresh worker drains the N-task backlog         → tasks/s, CPU µs per task
//   latency   LAT_N tasks submitted at LAT_RATE/s, worker on   → submit→completion p50/p99
// `node broker/broker.mjs` (after the root build); BENCH_QUICK=1 for a smoke run.
// BENCH_TELEMETRY=1 adds three variants to every round: ours with `telemetry: false`, ours with
// the OpenTelemetry SDK registered (recording tracer and meter providers, exporters that
// discard), and BullMQ with the same SDK registered and its OpenTelemetry add-on (bullmq-otel,
// traces and metrics) — so both sides pay the process-wide context manager when compared.
// BENCH_CORE_BASE=<directory of another build of @tasks/core, its `dist` and `package.json`,
// with a `node_modules` that resolves its dependencies> adds that build with the SDK too: a
// before/after comparison within one run.
import { Redis } from 'ioredis';
import { Queue, Worker as BullWorker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import * as core from '@tasks/core';
import { registerOtelSdk } from './otel-sdk.mjs';
import { CpuMeter, quietGate } from '../lib/meter.mjs';
import { median, percentile } from '../lib/stats.mjs';

const quick = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_BROKER_N ?? (quick ? 3000 : 20000));
const ROUNDS = Number(process.env.BENCH_SAMPLES ?? (quick ? 1 : 3));
const LAT_N = Number(process.env.BENCH_LAT_N ?? (quick ? 300 : 2000));
const LAT_RATE = Number(process.env.BENCH_LAT_RATE ?? 500);
const IN_FLIGHT = 50;
const BULK = Number(process.env.BENCH_BULK ?? 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The no-op task of one build of @tasks/core. */
function noopOf(m) {
  return class Noop extends m.BaseTask {
    size = m.Size.MEDIUM;
    async execute() {
      return null;
    }
  };
}
const baseCore = process.env.BENCH_CORE_BASE
  ? await import(pathToFileURL(resolve(process.env.BENCH_CORE_BASE, 'dist/index.js')).href)
  : null;

const TELEMETRY = process.env.BENCH_TELEMETRY === '1';
const VARIANTS = {
  ours: { name: '@tasks/core', telemetry: undefined },
  'ours-off': { name: 'core, telemetry: false', telemetry: false },
  'ours-sdk': { name: 'core, OTel SDK', telemetry: true, sdk: true },
  'base-sdk': { name: 'core base build, OTel SDK', telemetry: true, sdk: true, core: baseCore },
};
const BULL_SDK = 'BullMQ, OTel SDK';

/** Our side: one app per round (own prefix), on the shared client. */
function ours(client, round, variant = VARIANTS.ours) {
  const m = variant.core ?? core;
  const Noop = noopOf(m);
  const unregister = variant.sdk ? registerOtelSdk() : null; // before the app, as an application does
  const app = m.createTaskApp({
    redis: createIoredisAdapter(client),
    tasks: [Noop],
    prefix: `bench-core-${round}-${variant.name.replace(/\W+/g, '-')}`,
    ...(variant.telemetry !== undefined ? { telemetry: variant.telemetry } : {}),
  });
  let worker;
  return {
    name: variant.name,
    submit: () => app.submit(new Noop(null)),
    submitBulk: (n) => app.submitMany(Array.from({ length: n }, () => new Noop(null))),
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
      await unregister?.();
    },
  };
}

/**
 * BullMQ side: one queue per round, same client options; defaults (completed jobs kept). With
 * `sdk`, the OTel SDK is registered and BullMQ records through its add-on, metrics included.
 */
function bull(url, round, sdk = false) {
  const name = `bench-bull-${round}${sdk ? '-sdk' : ''}`;
  const unregister = sdk ? registerOtelSdk() : null;
  const telemetry = sdk ? { telemetry: new BullMQOtel({ tracerName: 'bench', enableMetrics: true }) } : {};
  // BullMQ never closes a connection it was given: the bench quits them itself.
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, ...telemetry });
  return {
    name: sdk ? BULL_SDK : 'BullMQ',
    submit: () => queue.add('noop', null),
    submitBulk: (n) => queue.addBulk(Array.from({ length: n }, () => ({ name: 'noop', data: null }))),
    startWorker(onDone) {
      const worker = new BullWorker(name, async () => null, {
        connection: new Redis(url, { maxRetriesPerRequest: null }),
        concurrency: IN_FLIGHT,
        ...telemetry,
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
      await unregister?.();
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

/** N tasks in bulk submissions of BULK each, one bulk call at a time. */
async function bulkPhase(lib, meter) {
  const a = await meter.snapshot();
  for (let i = 0; i < N; i += BULK) await lib.submitBulk(Math.min(BULK, N - i));
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
const results = Object.fromEntries(
  [
    ...Object.values(VARIANTS).filter(
      (v) => (TELEMETRY || (!v.sdk && v.telemetry === undefined)) && v.core !== null,
    ),
    { name: 'BullMQ' },
    ...(TELEMETRY ? [{ name: BULL_SDK }] : []),
  ].map((v) => [v.name, []]),
);
try {
  for (let round = 0; round < ROUNDS; round++) {
    const kinds = TELEMETRY
      ? ['ours', 'bull', 'ours-off', 'ours-sdk', 'bull-sdk', ...(baseCore ? ['base-sdk'] : [])]
      : ['ours', 'bull'];
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const which of order) {
      const lib = which.startsWith('bull')
        ? bull(server.url, round, which === 'bull-sdk')
        : ours(client, round, VARIANTS[which]);
      const gate1 = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 2000 : 15000 });
      const enqueue = await enqueuePhase(lib, meter);
      const gate2 = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 2000 : 15000 });
      const process_ = await processPhase(lib, meter);
      const latency = await latencyPhase(lib);
      const gate3 = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 2000 : 15000 });
      const bulk = await bulkPhase(lib, meter);
      await lib.cleanup();
      results[lib.name].push({
        enqueue,
        process: process_,
        latency,
        bulk,
        gates: [gate1.passed, gate2.passed, gate3.passed],
      });
      console.error(
        `round ${round} ${lib.name}: enqueue ${Math.round(N / (enqueue.wallMs / 1000))}/s, process ${Math.round(N / (process_.wallMs / 1000))}/s, p99 ${latency.p99.toFixed(2)} ms, bulk ${Math.round(N / (bulk.wallMs / 1000))}/s`,
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
  ['process backlog, concurrency 50 (tasks/s)', (r) => N / (r.process.wallMs / 1000), 2.2, 'higher'],
  [
    'CPU per processed task, node + redis (µs)',
    (r) => r.process.nodeUsPerOp + r.process.redisUsPerOp,
    0.45,
    'lower',
  ],
  [`bulk submit, ${BULK} per call (tasks/s)`, (r) => N / (r.bulk.wallMs / 1000), 3.0, 'higher'],
  [
    'CPU per submitted task, node + redis (µs)',
    (r) => r.enqueue.nodeUsPerOp + r.enqueue.redisUsPerOp,
    null,
    'lower',
  ],
  ['Redis calls per processed task', (r) => r.process.redisCallsPerOp, null, 'lower'],
  [`latency p50 at ${LAT_RATE}/s (ms)`, (r) => r.latency.p50, null, 'lower'],
  [`latency p99 at ${LAT_RATE}/s (ms)`, (r) => r.latency.p99, 0.7, 'lower'],
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

if (TELEMETRY) {
  const rate = (phase) => (lib) => m(lib, (r) => N / (r[phase].wallMs / 1000));
  const cpu = (phase) => (lib) => m(lib, (r) => r[phase].nodeUsPerOp + r[phase].redisUsPerOp);
  const columns = [
    ['process (tasks/s)', rate('process'), '@tasks/core'],
    ['vs BullMQ', rate('process'), 'BullMQ'],
    ['vs BullMQ with SDK', rate('process'), BULL_SDK],
    ['CPU/processed task (µs)', cpu('process'), '@tasks/core'],
    ['enqueue (tasks/s)', rate('enqueue'), '@tasks/core'],
    ['CPU/submitted task (µs)', cpu('enqueue'), '@tasks/core'],
  ];
  console.log(`\n## Telemetry variants (medians; ratios against the default, or BullMQ where named)\n`);
  console.log(`| variant | ${columns.map(([label]) => label).join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  const shown = [
    VARIANTS.ours,
    VARIANTS['ours-off'],
    VARIANTS['ours-sdk'],
    ...(baseCore ? [VARIANTS['base-sdk']] : []),
  ];
  for (const v of [...shown, { name: 'BullMQ' }, { name: BULL_SDK }]) {
    const cells = columns.map(([label, f, base]) =>
      label.startsWith('vs ')
        ? `${(f(v.name) / f(base)).toFixed(2)}×`
        : `${f(v.name).toFixed(0)} (${(f(v.name) / f(base)).toFixed(3)}×)`,
    );
    console.log(`| ${v.name} | ${cells.join(' | ')} |`);
  }
}
