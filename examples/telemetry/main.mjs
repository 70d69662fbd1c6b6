// OpenTelemetry: a fan-out/fan-in job traced from the submit through every run (and the locks
// they take) to the callback, printed as a tree, then the task metrics. The SDK is registered
// before the app is created; the app itself only uses @opentelemetry/api.
// `npx -y pnpm@12.4.2 example telemetry`, or `node main.mjs` with TASKS_REDIS_URL set.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { BaseTask, createTaskApp, spawnWithCallback } from '@tasks/core';
import { LockedObjectType, MutexLock } from '@tasks/locks';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { ExponentialBackoff } from '@tasks/retry';
import { printMetrics, printTree } from './print.mjs';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

let flaky = 1; // the first attempt at page 2 fails, its retry succeeds
class Resize extends BaseTask {
  retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.05, maxRetries: 2 });
  get executionLocks() {
    return [new MutexLock(LockedObjectType.JOB, `page-${this.args.page}`)];
  }
  async execute() {
    if (this.args.page === 2 && flaky-- > 0) throw new Error('scanner hiccup');
    return this.args.page * 10;
  }
}
class Publish extends BaseTask {
  async execute(ctx) {
    return Object.values(await ctx.groupResults()).reduce((a, b) => a + b, 0);
  }
}
class Album extends BaseTask {
  async execute(ctx) {
    const pages = [1, 2, 3].map((page) => new Resize({ page }));
    return spawnWithCallback(ctx, pages, new Publish({}));
  }
}

const redis = createIoredisAdapter(process.env.TASKS_REDIS_URL ?? 'redis://127.0.0.1:6379');
try {
  await redis.command(['PING']); // fails fast and says why: unreachable, wrong password, not Redis
} catch (error) {
  console.error(`✗ ${error.message}`);
  await redis.close();
  process.exit(1);
}
const app = createTaskApp({
  redis,
  prefix: `example-telemetry:${process.pid}`,
  tasks: [Resize, Publish, Album],
});
app.createWorker({ concurrency: 4 }).run();
try {
  await trace.getTracer('example').startActiveSpan('upload album', async (span) => {
    await app.submit(new Album({}));
    span.end();
  });
  const ran = (name) => spans.getFinishedSpans().some((s) => s.name === `task.execute ${name}`);
  for (let i = 0; i < 1500 && !ran('Publish'); i++) await new Promise((r) => setTimeout(r, 10));
  printTree(spans.getFinishedSpans());
  await reader.forceFlush();
  printMetrics(metricExporter.getMetrics());
} finally {
  await app.close({ closeRedis: false });
  for await (const key of redis.scan(`${app.keys.root}*`)) await redis.command(['DEL', key], { key });
  await redis.close();
}
