// With @opentelemetry/api installed but no SDK registered, an acquire skips the span and metric
// calls; an SDK registered later (tracer or meter provider alone) is picked up by the next
// acquire, and unregistering it turns the calls off again.
import { metrics, trace } from '@opentelemetry/api';
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
import { afterAll, describe, expect, it } from 'vitest';
import { LockedObjectType, MutexLock } from '../src/index.js';
import { targets, useTarget } from './targets.js';

afterAll(() => {
  trace.disable();
  metrics.disable();
});

const [target] = targets();
describe.each(target ? [target] : [])('lock telemetry switched on and off on $name', (tgt) => {
  const t = useTarget(tgt, 'telemetry-off');
  const acquireRelease = async (key: string): Promise<void> => {
    const lock = new MutexLock(LockedObjectType.JOB, key, { prefix: t.prefix });
    expect(await lock.acquire(t.redis())).toBe(true);
    await lock.release(t.redis());
  };

  it('records spans only while a tracer provider is registered', async () => {
    trace.disable();
    metrics.disable();
    await acquireRelease('before'); // nothing registered: the acquire skips telemetry
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    );
    await acquireRelease('traced');
    expect(spans.getFinishedSpans().map((span) => span.name)).toEqual(['lock.acquire mutex']);
    trace.disable();
    await acquireRelease('after');
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });

  it('records metrics while only a meter provider is registered', async () => {
    trace.disable();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    await acquireRelease('metered');
    await reader.forceFlush();
    const names = exporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .map((m) => m.descriptor.name);
    expect(names).toContain('tasks.lock.acquires');
    metrics.disable();
    await reader.shutdown();
  });
});
