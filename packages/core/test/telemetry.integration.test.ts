// Telemetry through the OpenTelemetry SDK's in-memory exporters: one trace from a submit in
// another process to the run here, span attributes and metric values that match what ran
// (retries, dead-letters, fan-out), lock spans under the run, cached queue gauges, and
// nothing at all with `telemetry: false`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { ExponentialBackoff } from '@tasks/retry';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BaseTask, Priority, Size, spawnWithCallback, type TaskContext } from '../src/index.js';
import { useApps, waitUntil } from './helpers.js';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterEach(() => spans.reset());

/** The data points of a metric, as now collected. */
async function points(name: string): Promise<Array<DataPoint<number | Histogram>>> {
  metricExporter.reset();
  await reader.forceFlush();
  const found = metricExporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((m) => m.descriptor.name === name);
  return found.flatMap((m) => m.dataPoints as Array<DataPoint<number | Histogram>>);
}

/** The value of a counter or gauge (or a histogram's count) for the points matching `attrs`. */
async function value(name: string, attrs: Record<string, string>): Promise<number> {
  const matching = (await points(name)).filter((p) =>
    Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
  );
  return matching.reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

function finished(name: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((s) => s.name === name);
}

class Echo extends BaseTask<{ n: number }, number> {
  static override taskName = 'TelemetryEcho';
  async execute(): Promise<number> {
    return this.args.n;
  }
}

class Doomed extends BaseTask<{ n: number }, never> {
  static override taskName = 'TelemetryDoomed';
  override dlqEligible = true;
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 0.01, maxRetries: 1 });
  async execute(): Promise<never> {
    throw new Error(`doomed ${this.args.n}`);
  }
}

class Locked extends BaseTask<{ n: number }, number> {
  static override taskName = 'TelemetryLocked';
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, 'telemetry-locked')];
  }
  async execute(): Promise<number> {
    return this.args.n;
  }
}

class Sum extends BaseTask<{ n: number }, number> {
  static override taskName = 'TelemetrySum';
  async execute(): Promise<number> {
    return this.args.n;
  }
}

class FanOut extends BaseTask<{ n: number }, string> {
  static override taskName = 'TelemetryFanOut';
  async execute(ctx: TaskContext): Promise<string> {
    const children = Array.from({ length: this.args.n }, (_, i) => new Echo({ n: i }));
    return spawnWithCallback(ctx, children, new Sum({ n: this.args.n }));
  }
}

const TASKS = [Echo, Doomed, Locked, Sum, FanOut];

describe('telemetry', () => {
  const t = useApps();

  it('a submit in another process and its run here make one trace', async () => {
    const app = t.app({ tasks: TASKS });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [new URL('./fixtures/telemetry-submit.mjs', import.meta.url).pathname],
      {
        env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: app.keys.prefix, NAME: Echo.taskName },
      },
    );
    const remote = JSON.parse(stdout.trim().split('\n').pop() as string) as {
      taskId: string;
      spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId: string | null }>;
    };
    const request = remote.spans.find((s) => s.name === 'request');
    const submit = remote.spans.find((s) => s.name === `task.submit ${Echo.taskName}`);
    expect(submit?.parentSpanId).toBe(request?.spanId);
    t.worker(app);
    expect(await app.handle(remote.taskId).result({ timeoutMs: 20_000 })).toBe(1);
    await waitUntil(() => finished(`task.execute ${Echo.taskName}`).length === 1);
    const [run] = finished(`task.execute ${Echo.taskName}`) as [ReadableSpan];
    expect(run.spanContext().traceId).toBe(submit?.traceId);
    expect(run.parentSpanContext?.spanId).toBe(submit?.spanId);
    expect(run.attributes).toMatchObject({
      'tasks.task.id': remote.taskId,
      'tasks.task.name': Echo.taskName,
      'tasks.task.attempt': 0,
      'tasks.priority': 'normal',
      'tasks.size': 'medium',
      'tasks.outcome': 'succeeded',
    });
    expect(String(run.attributes['tasks.worker.id'])).not.toBe('');
  });

  it('a retried then dead-lettered task: one span per attempt, exceptions, counters that match', async () => {
    const app = t.app({ tasks: TASKS });
    const before = {
      retried: await value('tasks.retried', { 'tasks.task.name': Doomed.taskName }),
      failed: await value('tasks.failed', { 'tasks.task.name': Doomed.taskName }),
      dead: await value('tasks.dead_lettered', { 'tasks.task.name': Doomed.taskName }),
      submitted: await value('tasks.submitted', { 'tasks.task.name': Doomed.taskName }),
    };
    const handle = await app.submit(new Doomed({ n: 7 }));
    t.worker(app);
    await waitUntil(
      async () => (await app.getResult(handle.id))?.status === 'dead-lettered',
      'dead-lettered',
    );
    await waitUntil(() => finished(`task.execute ${Doomed.taskName}`).length === 2);
    const [submit] = finished(`task.submit ${Doomed.taskName}`) as [ReadableSpan];
    const runs = finished(`task.execute ${Doomed.taskName}`).sort(
      (a, b) => Number(a.attributes['tasks.task.attempt']) - Number(b.attributes['tasks.task.attempt']),
    );
    expect(runs.map((r) => [r.attributes['tasks.task.attempt'], r.attributes['tasks.outcome']])).toEqual([
      [0, 'retried'],
      [1, 'dead_lettered'],
    ]);
    for (const run of runs) {
      expect(run.spanContext().traceId).toBe(submit.spanContext().traceId);
      expect(run.parentSpanContext?.spanId).toBe(submit.spanContext().spanId);
      expect(run.status.code).toBe(2); // SpanStatusCode.ERROR
      expect(run.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toBe(
        'doomed 7',
      );
    }
    const name = { 'tasks.task.name': Doomed.taskName };
    expect(await value('tasks.submitted', name)).toBe(before.submitted + 1);
    expect(await value('tasks.retried', name)).toBe(before.retried + 1);
    expect(await value('tasks.failed', name)).toBe(before.failed + 1);
    expect(await value('tasks.dead_lettered', name)).toBe(before.dead + 1);
    expect(await value('tasks.duration', { ...name, 'tasks.outcome': 'retried' })).toBeGreaterThanOrEqual(1);
    expect(await value('tasks.queue.wait', name)).toBeGreaterThanOrEqual(2);
  });

  it('a fan-out/fan-in job is one tree: children and callback under the parent run, locks under runs', async () => {
    const app = t.app({ tasks: TASKS });
    t.worker(app, { concurrency: 4 });
    const before = await value('tasks.succeeded', { 'tasks.task.name': Echo.taskName });
    const handle = await app.submit(new FanOut({ n: 3 }));
    await handle.result({ timeoutMs: 20_000 });
    await waitUntil(() => finished(`task.execute ${Sum.taskName}`).length === 1, 'callback run');
    const [parentRun] = finished(`task.execute ${FanOut.taskName}`) as [ReadableSpan];
    const traceId = parentRun.spanContext().traceId;
    const childSubmits = finished(`task.submit ${Echo.taskName}`);
    expect(childSubmits).toHaveLength(3);
    for (const s of childSubmits) expect(s.parentSpanContext?.spanId).toBe(parentRun.spanContext().spanId);
    const all = spans.getFinishedSpans().filter((s) => s.name.startsWith('task.'));
    expect(new Set(all.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    expect(await value('tasks.succeeded', { 'tasks.task.name': Echo.taskName })).toBe(before + 3);

    const locked = await app.submit(new Locked({ n: 1 }));
    await locked.result({ timeoutMs: 20_000 });
    await waitUntil(() => finished(`task.execute ${Locked.taskName}`).length === 1);
    const [lockedRun] = finished(`task.execute ${Locked.taskName}`) as [ReadableSpan];
    const lockSpan = finished('lock.acquire mutex').find(
      (s) => s.parentSpanContext?.spanId === lockedRun.spanContext().spanId,
    );
    expect(lockSpan?.attributes).toMatchObject({
      'tasks.lock.kind': 'mutex',
      'tasks.lock.outcome': 'acquired',
    });
    expect(lockSpan?.attributes['tasks.lock.fencing_token']).toBeGreaterThan(0);
  });

  it('queue gauges come from a status read at most once per refresh, whatever the scrape rate', async () => {
    const calls = { xlen: 0 };
    const base = t.connect();
    const counting: RedisAdapter = new Proxy(base, {
      get(target, prop, receiver) {
        if (prop === 'command')
          return (args: readonly string[], options: unknown) => {
            if (args[0] === 'XLEN') calls.xlen += 1;
            return (target.command as (a: readonly string[], o: unknown) => Promise<unknown>)(args, options);
          };
        const member = Reflect.get(target, prop, receiver) as unknown;
        return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
      },
    });
    const app = t.app({
      tasks: TASKS,
      redis: counting,
      telemetry: { queueMetrics: true, queueMetricsRefreshMs: 60_000 },
    });
    await app.submitMany([new Echo({ n: 1 }), new Echo({ n: 2 }), new Locked({ n: 3 })]);
    await app.submit(new Echo({ n: 4 }), { delayMs: 60_000 });
    const normalMedium = { 'tasks.priority': 'normal', 'tasks.size': 'medium' };
    expect(await value('tasks.queue.depth', normalMedium)).toBe(3);
    expect(await value('tasks.delayed', {})).toBe(1);
    expect(await value('tasks.queue.depth', normalMedium)).toBe(3);
    expect(calls.xlen).toBe(9); // one status read: one XLEN per stream, for three collections
    await app.close({ closeRedis: false });
  });

  it('traces: false keeps the metrics (durations included) and records no span', async () => {
    const app = t.app({ tasks: TASKS, telemetry: { traces: false } });
    const name = { 'tasks.task.name': Echo.taskName };
    const before = await value('tasks.duration', { ...name, 'tasks.outcome': 'succeeded' });
    const handle = await app.submit(new Echo({ n: 9 }));
    t.worker(app);
    expect(await handle.result({ timeoutMs: 20_000 })).toBe(9);
    await waitUntil(
      async () => (await value('tasks.duration', { ...name, 'tasks.outcome': 'succeeded' })) === before + 1,
      'duration recorded',
    );
    expect(finished(`task.submit ${Echo.taskName}`)).toHaveLength(0);
    expect(finished(`task.execute ${Echo.taskName}`)).toHaveLength(0);
  });

  it('without @opentelemetry/api installed, tasks and locks run and record nothing', async () => {
    const app = t.app({ tasks: TASKS });
    const run = async (hidden: boolean): Promise<{ result: number; payload: object; spans: string[] }> => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          ...(hidden ? ['--require', new URL('./fixtures/hide-otel.cjs', import.meta.url).pathname] : []),
          new URL('./fixtures/telemetry-absent.mjs', import.meta.url).pathname,
        ],
        { env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: `${app.keys.prefix}:${hidden}` } },
      );
      return JSON.parse(stdout.trim().split('\n').pop() as string) as Awaited<ReturnType<typeof run>>;
    };
    const visible = await run(false); // the same program with the API installed: traced
    expect(visible.payload).toHaveProperty('c');
    expect(visible.spans).toEqual(expect.arrayContaining(['task.execute Locked', 'lock.acquire mutex']));
    const absent = await run(true);
    expect(absent.result).toBe(42);
    expect(absent.payload).not.toHaveProperty('c');
    expect(absent.spans).toEqual(['request']);
  });

  it('telemetry: false records nothing and carries no trace context', async () => {
    const app = t.app({ tasks: TASKS, telemetry: false });
    const before = await value('tasks.submitted', { 'tasks.task.name': Sum.taskName });
    const handle = await app.submit(new Sum({ n: 5 }));
    const stream = app.keys.stream(Priority.NORMAL, Size.MEDIUM);
    const entries = (await t.redis().command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<
      [string, string[]]
    >;
    const raw = entries.map(([, fields]) => fields[1] ?? '').find((p) => p.includes(handle.id));
    expect(JSON.parse(raw as string)).not.toHaveProperty('c');
    t.worker(app);
    expect(await handle.result({ timeoutMs: 20_000 })).toBe(5);
    expect(finished(`task.submit ${Sum.taskName}`)).toHaveLength(0);
    expect(finished(`task.execute ${Sum.taskName}`)).toHaveLength(0);
    expect(await value('tasks.submitted', { 'tasks.task.name': Sum.taskName })).toBe(before);
  });
});
