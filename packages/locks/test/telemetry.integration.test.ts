// Lock telemetry through the OpenTelemetry SDK's in-memory exporters: a `lock.acquire <kind>`
// span per acquire (outcome, fencing token, wait), the wait histogram and the contention
// counter per kind — and nothing with `telemetry: false`.
import { metrics, trace } from '@opentelemetry/api';
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
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LockedObjectType, lockKeys, MutexLock, RateLimiter } from '../src/index.js';
import { lineLength, targets, useTarget, waitUntil } from './targets.js';

const spans = new InMemorySpanExporter();
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterEach(() => spans.reset());

/** Sum of a counter (or a histogram's count) over the points matching `attrs`. */
async function value(name: string, attrs: Record<string, string>): Promise<number> {
  exporter.reset();
  await reader.forceFlush();
  return exporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as Array<DataPoint<number | Histogram>>)
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

const [target] = targets();
describe.each(target ? [target] : [])('lock telemetry on $name', (tgt) => {
  const t = useTarget(tgt, 'telemetry');
  const mutex = (key: string): MutexLock => new MutexLock(LockedObjectType.JOB, key, { prefix: t.prefix });

  it('records refused, waited and acquired mutex acquires with their fencing tokens', async () => {
    const redis = t.redis();
    const kind = { 'tasks.lock.kind': 'mutex' };
    const before = {
      contentions: await value('tasks.lock.contentions', kind),
      waits: await value('tasks.lock.wait', kind),
      refused: await value('tasks.lock.acquires', { ...kind, 'tasks.lock.outcome': 'refused' }),
    };
    const a = mutex('contended');
    const b = mutex('contended');
    expect(await a.acquire(redis)).toBe(true);
    expect(await b.acquire(redis)).toBe(false);
    const waiting = b.acquire(redis, { waitMs: 20_000 });
    await waitUntil(async () => (await lineLength(redis, lockKeys(b.redisKey).queue)) === 1, 'b in line');
    await a.release(redis);
    expect(await waiting).toBe(true);
    await b.release(redis);

    const acquireSpans = spans.getFinishedSpans().filter((s) => s.name === 'lock.acquire mutex');
    expect(acquireSpans.map((s) => s.attributes['tasks.lock.outcome'])).toEqual([
      'acquired',
      'refused',
      'acquired',
    ]);
    const [first, , last] = acquireSpans;
    expect(first?.attributes['tasks.lock.key']).toBe(a.redisKey);
    expect(first?.attributes['tasks.lock.fencing_token']).toBe(a.fencingToken);
    expect(last?.attributes['tasks.lock.fencing_token']).toBe(b.fencingToken);
    expect(Number(last?.attributes['tasks.lock.fencing_token'])).toBeGreaterThan(
      Number(first?.attributes['tasks.lock.fencing_token']),
    );
    expect(await value('tasks.lock.contentions', kind)).toBe(before.contentions + 2);
    expect(await value('tasks.lock.wait', kind)).toBe(before.waits + 3);
    expect(await value('tasks.lock.acquires', { ...kind, 'tasks.lock.outcome': 'refused' })).toBe(
      before.refused + 1,
    );
  });

  it('labels rate limiter acquires with their kind and retry-after', async () => {
    const redis = t.redis();
    const limiter = (): RateLimiter =>
      new RateLimiter(LockedObjectType.JOB, 'rate', { prefix: t.prefix, limit: 1, windowSeconds: 60 });
    expect(await limiter().acquire(redis)).toBe(true);
    expect(await limiter().acquire(redis)).toBe(false);
    const refused = spans
      .getFinishedSpans()
      .find((s) => s.name === 'lock.acquire rate' && s.attributes['tasks.lock.outcome'] === 'refused');
    expect(Number(refused?.attributes['tasks.lock.retry_after_ms'])).toBeGreaterThan(0);
  });

  it('records nothing for an acquire with telemetry: false', async () => {
    const redis = t.redis();
    const lock = mutex('quiet');
    expect(await lock.acquire(redis, { telemetry: false })).toBe(true);
    await lock.release(redis);
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});
