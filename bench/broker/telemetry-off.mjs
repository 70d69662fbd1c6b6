// Telemetry off-path benchmark: what @tasks/core's telemetry code costs when nothing records.
// Two variants of ours drain the same backlog, interleaved A/B over many rounds:
//   default   `@opentelemetry/api` installed, no SDK registered (the hooks run, on no-op providers)
//   off       `telemetry: false` (every hook is one boolean check)
// Per round: N tasks are queued in bulk (not measured), then a fresh worker drains them
// (measured: tasks/s, node and redis CPU per task), after one unreported warm-up round. The report gives the median and range of
// the per-round ratios default / off, since only paired figures mean anything on a shared box.
// `node broker/telemetry-off.mjs` (after the root build); BENCH_QUICK=1 for a smoke run.
import { Redis } from 'ioredis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { BaseTask, createTaskApp, Size } from '@tasks/core';
import { CpuMeter, quietGate } from '../lib/meter.mjs';
import { median, range } from '../lib/stats.mjs';

const quick = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_BROKER_N ?? (quick ? 3000 : 20000));
const ROUNDS = Number(process.env.BENCH_SAMPLES ?? (quick ? 2 : 10));
const IN_FLIGHT = 50;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

class Noop extends BaseTask {
  size = Size.MEDIUM;
  async execute() {
    return null;
  }
}

const VARIANTS = { default: undefined, off: false };

async function drain(client, meter, round, variant) {
  const app = createTaskApp({
    redis: createIoredisAdapter(client),
    tasks: [Noop],
    prefix: `bench-otel-off-${round}-${variant}`,
    logger: silent,
    ...(VARIANTS[variant] === undefined ? {} : { telemetry: VARIANTS[variant] }),
  });
  for (let i = 0; i < N; i += 1000)
    await app.submitMany(Array.from({ length: Math.min(1000, N - i) }, () => new Noop(null)));
  const gate = await quietGate({ pct: 15, windowMs: 500, maxMs: quick ? 1000 : 5000 });
  let done = 0;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const off = app.on('succeeded', () => {
    if (++done === N) resolve();
  });
  const a = await meter.snapshot();
  const worker = app.createWorker({ concurrency: IN_FLIGHT, sizes: ['medium'] });
  void worker.run();
  await finished;
  const b = await meter.snapshot();
  off();
  await worker.close();
  for await (const key of app.redis.scan(`${app.keys.root}*`))
    await app.redis.command(['UNLINK', key], { key });
  await app.close();
  return { ...CpuMeter.diff(a, b, N), gate: gate.passed };
}

const server = await startRedisServer();
const client = new Redis(server.url, { maxRetriesPerRequest: null });
const control = new Redis(server.url);
const meter = new CpuMeter(control);
const rounds = [];
try {
  // Warm-up (not reported): the JIT compiles both paths before anything is measured.
  for (const variant of Object.keys(VARIANTS)) await drain(client, meter, 'warmup', variant);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['default', 'off'] : ['off', 'default'];
    const r = {};
    for (const variant of order) r[variant] = await drain(client, meter, round, variant);
    rounds.push(r);
    const rate = (x) => Math.round(N / (x.wallMs / 1000));
    console.error(
      `round ${round}: default ${rate(r.default)}/s ${r.default.nodeUsPerOp.toFixed(1)} µs/task, ` +
        `off ${rate(r.off)}/s ${r.off.nodeUsPerOp.toFixed(1)} µs/task`,
    );
  }
} finally {
  client.disconnect();
  control.disconnect();
  await server.destroy();
}

const rows = [
  ['process (tasks/s), default / off', (x) => N / (x.wallMs / 1000), 'higher'],
  ['node CPU per task (µs), default / off', (x) => x.nodeUsPerOp, 'lower'],
  ['node + redis CPU per task (µs), default / off', (x) => x.nodeUsPerOp + x.redisUsPerOp, 'lower'],
];
const clean = rounds.filter((r) => r.default.gate && r.off.gate).length;
console.log(
  `\n## Telemetry off path — N = ${N}, ${ROUNDS} interleaved rounds (${clean} with both gates passed)\n`,
);
console.log('| figure | default (median) | off (median) | per-round ratio, median | min–max |');
console.log('|---|---:|---:|---:|---:|');
for (const [label, f] of rows) {
  const ratios = rounds.map((r) => f(r.default) / f(r.off));
  const [lo, hi] = range(ratios);
  const a = median(rounds.map((r) => f(r.default)));
  const b = median(rounds.map((r) => f(r.off)));
  console.log(
    `| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${median(ratios).toFixed(3)}× | ${lo.toFixed(3)}–${hi.toFixed(3)} |`,
  );
}
