// The app's metric instruments (names in OpenTelemetry's dotted style, without units: the unit
// is the instrument's `unit`, as the semantic conventions ask; the OpenTelemetry JS Prometheus
// exporter writes `tasks.duration` as `tasks_duration` with a `# UNIT` line, a Collector's
// Prometheus exporter as `tasks_duration_seconds`) and the queue gauges, which read one cached
// `status()` at most every `refreshMs`, however often they are collected.
import type * as OtelApi from '@opentelemetry/api';
import type { AppStatus } from './status.js';

/** Bucket bounds (seconds) of the duration histograms: 5 ms to an hour. */
const SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** @internal The counters and histograms one app records into. */
export interface TaskInstruments {
  readonly submitted: OtelApi.Counter;
  readonly succeeded: OtelApi.Counter;
  readonly failed: OtelApi.Counter;
  readonly retried: OtelApi.Counter;
  readonly rescheduled: OtelApi.Counter;
  readonly deadLettered: OtelApi.Counter;
  readonly cancelled: OtelApi.Counter;
  /** Seconds from a run's start (locks held) to its outcome. */
  readonly duration: OtelApi.Histogram;
  /** Seconds from an entry entering its stream to a worker taking it. */
  readonly queueWait: OtelApi.Histogram;
}

/** @internal Creates the instruments on `meter`. */
export function createInstruments(meter: OtelApi.Meter): TaskInstruments {
  const counter = (name: string, description: string): OtelApi.Counter =>
    meter.createCounter(name, { description, unit: '{task}' });
  const seconds = (name: string, description: string): OtelApi.Histogram =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
  return {
    submitted: counter('tasks.submitted', 'Tasks queued (or delayed) by this process'),
    succeeded: counter('tasks.succeeded', 'Runs that succeeded'),
    failed: counter('tasks.failed', 'Tasks that failed for good (no retry left), dead-lettered or not'),
    retried: counter('tasks.retried', 'Failed runs that will be retried'),
    rescheduled: counter('tasks.rescheduled', 'Deliveries put back because a lock was busy'),
    deadLettered: counter('tasks.dead_lettered', 'Tasks moved to the dead-letter queue'),
    cancelled: counter('tasks.cancelled', 'Tasks cancelled'),
    duration: seconds('tasks.duration', 'How long runs took, from start (locks held) to outcome'),
    queueWait: seconds(
      'tasks.queue.wait',
      'How long entries waited in their stream before a worker took them',
    ),
  };
}

/**
 * @internal Registers the queue gauges (`tasks.queue.depth`, `tasks.queue.pending` per
 * priority and size, `tasks.delayed`, `tasks.dlq.size`, `tasks.workers.alive`), read from a
 * status cached for `refreshMs`. Returns a function that removes them.
 */
export function observeQueue(
  meter: OtelApi.Meter,
  read: () => Promise<AppStatus>,
  refreshMs: number,
): () => void {
  const gauge = (name: string, description: string): OtelApi.ObservableGauge =>
    meter.createObservableGauge(name, { description, unit: '{task}' });
  const depth = gauge('tasks.queue.depth', 'Entries waiting in a stream (not yet delivered)');
  const pending = gauge('tasks.queue.pending', 'Entries delivered to a worker and not yet acknowledged');
  const delayed = gauge('tasks.delayed', 'Tasks waiting for their due time (delayed, retries, parked)');
  const dlq = gauge('tasks.dlq.size', 'Entries in the dead-letter queue');
  const workers = meter.createObservableGauge('tasks.workers.alive', {
    description: 'Workers with a live heartbeat',
    unit: '{worker}',
  });
  const cache = new StatusCache(read, refreshMs);
  const callback: OtelApi.BatchObservableCallback = async (result) => {
    const status = await cache.get();
    if (!status) return;
    for (const s of status.streams) {
      const attributes = { 'tasks.priority': s.priority, 'tasks.size': s.size };
      result.observe(depth, Math.max(0, s.length - s.pending), attributes);
      result.observe(pending, s.pending, attributes);
    }
    result.observe(delayed, status.delayed);
    result.observe(dlq, status.deadLettered);
    result.observe(workers, status.workers.length);
  };
  const observables = [depth, pending, delayed, dlq, workers];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/** One status read shared by every collection within `refreshMs` (and by concurrent ones). */
class StatusCache {
  #value: AppStatus | null = null;
  #at = -Infinity;
  #reading: Promise<AppStatus | null> | null = null;

  constructor(
    private readonly read: () => Promise<AppStatus>,
    private readonly refreshMs: number,
  ) {}

  /** The cached status, refreshed when older than `refreshMs`; the last one when Redis fails. */
  get(): Promise<AppStatus | null> {
    if (Date.now() - this.#at < this.refreshMs) return Promise.resolve(this.#value);
    this.#reading ??= this.read()
      .then((status) => {
        this.#value = status;
        this.#at = Date.now();
        return status;
      })
      .catch(() => this.#value)
      .finally(() => {
        this.#reading = null;
      });
    return this.#reading;
  }
}
