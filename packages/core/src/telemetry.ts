// Traces and metrics of an app, through @opentelemetry/api only. With the API not installed,
// or `telemetry: false`, an app holds the disabled instance and every hook is one boolean
// check. Outcomes are read from the app's own events, so the code that writes them is unchanged.
import type * as OtelApi from '@opentelemetry/api';
import { PRIORITIES, SIZES } from './enums.js';
import type { TaskErrorRecord } from './errors.js';
import type { TaskEventEmitter, TaskEvents } from './events.js';
import { extractContext, injectContext, loadOtel, type Otel } from './otel.js';
import type { TaskPayload } from './payload.js';
import type { AppStatus } from './status.js';
import { createInstruments, observeQueue, type TaskInstruments } from './telemetry-metrics.js';

/**
 * What an app records through OpenTelemetry (see `createTaskApp({ telemetry })`). Nothing is
 * recorded unless `@opentelemetry/api` is installed and the application registers a tracer or
 * meter provider (an SDK); without one the API's no-op implementations are used. Register the
 * SDK before creating the app: metric instruments are bound to the meter provider in force.
 *
 * @example
 * ```ts
 * // Traces and counters everywhere; the queue gauges from this process only.
 * const app = createTaskApp({ redis, tasks, telemetry: { queueMetrics: true, queueMetricsRefreshMs: 10_000 } });
 * ```
 */
export interface TelemetryOptions {
  /** Spans: `task.submit <name>`, `task.execute <name>`, `scheduler.submit <name>`. Default true. */
  readonly traces?: boolean;
  /** Counters and histograms by task name (`tasks.submitted`, `tasks.duration`, ...). Default true. */
  readonly metrics?: boolean;
  /**
   * Queue gauges (`tasks.queue.depth`, `tasks.queue.pending`, `tasks.delayed`, `tasks.dlq.size`,
   * `tasks.workers.alive`) — the same for every process of an app, so turn them on in one
   * process only (the `tasks metrics` command does). Default false.
   */
  readonly queueMetrics?: boolean;
  /** The gauges read the queue from Redis at most this often, in ms. Default 5 000. */
  readonly queueMetricsRefreshMs?: number;
}

/** The `telemetry` option of an app: `false` turns everything off, `true` (the default) is `{}`. */
export type TelemetryOption = boolean | TelemetryOptions;

/**
 * The instrumentation scope name of the app's spans and metrics (a Prometheus exporter shows it
 * as the `otel_scope_name` label).
 * @example
 * ```ts
 * const ours = spans.filter((span) => span.instrumentationScope.name === TELEMETRY_SCOPE);
 * ```
 */
export const TELEMETRY_SCOPE = '@tasks/core';

/**
 * Attribute sets and span names of one task name, made once: the hot paths then allocate
 * nothing for them, and the metric SDK is handed the same small objects every time.
 */
interface NameCache {
  readonly submitSpan: string;
  readonly executeSpan: string;
  /** `{ tasks.task.name }`: the counters. */
  readonly name: OtelApi.Attributes;
  /** `{ tasks.task.name, tasks.priority, tasks.size }` by stream index: the queue wait. */
  readonly wait: Array<OtelApi.Attributes | undefined>;
  /** `{ tasks.task.name, tasks.outcome }` by outcome: the run duration. */
  readonly outcomes: Map<string, OtelApi.Attributes>;
}

/** Task names cached at most (names come from payloads; a flood of unknown ones restarts it). */
const MAX_CACHED_NAMES = 1000;

/** A run in progress in this process, found again by its task id when its outcome event comes. */
interface RunState {
  /** Its `task.execute` span (`null` with traces off). */
  readonly span: OtelApi.Span | null;
  startedAt: number;
  outcome: string;
}

/** The facts of a delivery a `task.execute` span is made from. */
interface Delivered {
  readonly entry: { readonly entryId: string; readonly streamIndex: number; readonly deliveries: number };
  readonly payload: TaskPayload;
  readonly worker: string;
}

/** What an enabled instance is made of. */
interface Parts {
  readonly otel: Otel;
  readonly tracer: OtelApi.Tracer | null;
  readonly metrics: boolean;
  readonly producer: OtelApi.SpanOptions;
  readonly consumer: OtelApi.SpanOptions;
}

/** @internal An app's telemetry: the hooks its submitter, task runner and scheduler call. */
export class Telemetry {
  /** The disabled instance: every hook returns at once. */
  static readonly off = new Telemetry(null);

  /** True when anything is recorded (the hooks are not called otherwise). */
  readonly enabled: boolean;
  readonly #parts: Parts | null;
  readonly #runs = new Map<string, RunState>();
  readonly #stop: Array<() => void> = [];
  readonly #names = new Map<string, NameCache>();
  #instruments: { provider: OtelApi.MeterProvider; made: TaskInstruments | null } | undefined;

  private constructor(parts: Parts | null) {
    this.#parts = parts;
    this.enabled = parts !== null;
  }

  /**
   * The telemetry an app's option asks for: the disabled instance with `false`, when both
   * traces and metrics are off, or when `@opentelemetry/api` is not installed.
   */
  static create(
    option: TelemetryOption | undefined,
    events: TaskEventEmitter,
    status: () => Promise<AppStatus>,
  ): Telemetry {
    if (option === false) return Telemetry.off;
    const o = option === true || option === undefined ? {} : option;
    const traces = o.traces ?? true;
    const metrics = o.metrics ?? true;
    const otel = traces || metrics || o.queueMetrics ? loadOtel() : null;
    if (!otel) return Telemetry.off;
    const telemetry = new Telemetry({
      otel,
      tracer: traces ? otel.trace.getTracer(TELEMETRY_SCOPE) : null,
      metrics,
      producer: { kind: otel.SpanKind.PRODUCER },
      consumer: { kind: otel.SpanKind.CONSUMER },
    });
    if (traces || metrics) telemetry.#listen(events);
    if (o.queueMetrics) {
      const meter = otel.metrics.getMeter(TELEMETRY_SCOPE);
      telemetry.#stop.push(observeQueue(meter, status, o.queueMetricsRefreshMs ?? 5_000));
    }
    return telemetry;
  }

  /**
   * The instruments, made on the meter provider registered now (the metrics API has no proxy
   * provider: instruments made before the SDK was registered would stay no-ops); `null` while
   * no meter provider is registered, so that nothing is recorded into no-op instruments.
   */
  #metrics(): TaskInstruments | null {
    const parts = this.#parts as Parts;
    if (!parts.metrics) return null;
    const provider = parts.otel.metrics.getMeterProvider();
    if (this.#instruments?.provider !== provider) {
      const meter = provider.getMeter(TELEMETRY_SCOPE);
      const noop = meter === parts.otel.createNoopMeter();
      this.#instruments = { provider, made: noop ? null : createInstruments(meter) };
    }
    return this.#instruments.made;
  }

  /** The cached span names and attribute sets of a task name. */
  #name(name: string): NameCache {
    let cached = this.#names.get(name);
    if (cached === undefined) {
      if (this.#names.size >= MAX_CACHED_NAMES) this.#names.clear();
      cached = {
        submitSpan: `task.submit ${name}`,
        executeSpan: `task.execute ${name}`,
        name: { 'tasks.task.name': name },
        wait: [],
        outcomes: new Map(),
      };
      this.#names.set(name, cached);
    }
    return cached;
  }

  /**
   * A task is being queued: counts it, and records its `task.submit` span (a child of the
   * caller's active span). @returns the trace context to carry in its payload.
   */
  submitted(payload: TaskPayload, streamIndex: number): Readonly<Record<string, string>> | undefined {
    const { otel, tracer, producer } = this.#parts as Parts;
    const metrics = this.#metrics();
    if (metrics) metrics.submitted.add(1, this.#name(payload.n).name);
    if (!tracer) return undefined;
    const active = otel.context.active();
    const span = tracer.startSpan(this.#name(payload.n).submitSpan, producer, active);
    const recording = span.isRecording();
    // No SDK registered (a no-op span without a trace): nothing to record or carry.
    if (!recording && !otel.isSpanContextValid(span.spanContext())) return undefined;
    if (recording) {
      const stream = STREAMS[streamIndex] ?? UNKNOWN_STREAM;
      // One literal with constant keys: spreads and computed keys make a slow dictionary object.
      span.setAttributes({
        'tasks.task.id': payload.i,
        'tasks.task.name': payload.n,
        'tasks.task.attempt': payload.t,
        'tasks.priority': stream.priority,
        'tasks.size': stream.size,
        'messaging.system': 'tasks',
        'messaging.operation.type': 'send',
        'messaging.message.id': payload.i,
      });
      if (payload.p) span.setAttribute('tasks.task.parent_id', payload.p);
    }
    const carrier = injectContext(otel, otel.trace.setSpan(active, span));
    span.end();
    return carrier;
  }

  /**
   * Runs `fn` (a delivery's whole handling: locks, run, outcome) inside its `task.execute`
   * span, a child of the submit span its payload carries, and records its queue wait. With
   * nothing to record (no SDK registered, no trace to continue) it only calls `fn`.
   */
  execute<T>(d: Delivered, fn: () => Promise<T>): Promise<T> {
    const { otel, tracer, consumer } = this.#parts as Parts;
    const metrics = this.#metrics();
    const p = d.payload;
    if (metrics) {
      const at = Number.parseInt(d.entry.entryId, 10);
      if (Number.isFinite(at))
        metrics.queueWait.record(Math.max(0, Date.now() - at) / 1000, this.#waitOf(p.n, d));
    }
    if (!tracer)
      return metrics ? this.#run(p.i, { span: null, startedAt: Number.NaN, outcome: '' }, fn) : fn();
    const parent = p.c ? extractContext(otel, p.c) : otel.ROOT_CONTEXT;
    const span = tracer.startSpan(this.#name(p.n).executeSpan, consumer, parent);
    if (!span.isRecording()) {
      // No SDK registered and no trace to continue: run it as with traces off.
      if (!p.c)
        return metrics ? this.#run(p.i, { span: null, startedAt: Number.NaN, outcome: '' }, fn) : fn();
    } else {
      const stream = STREAMS[d.entry.streamIndex] ?? UNKNOWN_STREAM;
      span.setAttributes({
        'tasks.task.id': p.i,
        'tasks.task.name': p.n,
        'tasks.task.attempt': p.t,
        'tasks.priority': stream.priority,
        'tasks.size': stream.size,
        'tasks.worker.id': d.worker,
        'tasks.delivery.count': d.entry.deliveries,
        'messaging.system': 'tasks',
        'messaging.operation.type': 'process',
        'messaging.message.id': p.i,
      });
      if (p.p) span.setAttribute('tasks.task.parent_id', p.p);
    }
    const state: RunState = { span, startedAt: Number.NaN, outcome: 'unknown' };
    return this.#run(p.i, state, () => otel.context.with(otel.trace.setSpan(parent, span), fn));
  }

  /** The queue-wait attribute set of a delivery. */
  #waitOf(name: string, d: Delivered): OtelApi.Attributes {
    const cached = this.#name(name);
    const index = d.entry.streamIndex;
    let attributes = cached.wait[index];
    if (attributes === undefined) {
      const stream = STREAMS[index] ?? UNKNOWN_STREAM;
      attributes = { 'tasks.task.name': name, 'tasks.priority': stream.priority, 'tasks.size': stream.size };
      if (index >= 0 && index < STREAMS.length) cached.wait[index] = attributes;
    }
    return attributes;
  }

  /**
   * Runs `fn` with `state` findable by task id (the outcome events update it); ends its span,
   * if any, with the outcome, recording the error `fn` throws.
   */
  async #run<T>(taskId: string, state: RunState, fn: () => Promise<T>): Promise<T> {
    this.#runs.set(taskId, state);
    const { span } = state;
    try {
      return await fn();
    } catch (error) {
      if (span)
        recordError(
          (this.#parts as Parts).otel,
          span,
          error instanceof Error ? error : new Error(String(error)),
        );
      throw error;
    } finally {
      if (this.#runs.get(taskId) === state) this.#runs.delete(taskId);
      if (span) {
        span.setAttribute('tasks.outcome', state.outcome);
        span.end();
      }
    }
  }

  /** Runs `fn` (building a periodic entry's due occurrences) inside a `scheduler.submit` span. */
  scheduling<T>(name: string, vo: string | null, occurrences: number, fn: () => Promise<T>): Promise<T> {
    const { otel, tracer } = this.#parts as Parts;
    if (!tracer) return fn();
    const attributes = { 'tasks.task.name': name, 'tasks.schedule.occurrences': occurrences };
    return tracer.startActiveSpan(
      `scheduler.submit ${name}`,
      { attributes: vo === null ? attributes : { ...attributes, 'tasks.schedule.vo': vo } },
      async (span) => {
        try {
          return await fn();
        } catch (error) {
          recordError(otel, span, error instanceof Error ? error : new Error(String(error)));
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Stops listening and removes the queue gauges. */
  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #listen(events: TaskEventEmitter): void {
    const { otel } = this.#parts as Parts;
    const on = <E extends keyof TaskEvents>(event: E, listener: (e: TaskEvents[E]) => void): void => {
      this.#stop.push(events.on(event, listener));
    };
    on('started', (e) => {
      const run = this.#runs.get(e.taskId);
      if (run) run.startedAt = Date.now();
    });
    on('succeeded', (e) => {
      this.#metrics()?.succeeded.add(1, this.#name(e.name).name);
      this.#ended(e.taskId, e.name, 'succeeded', e.durationMs);
    });
    on('failed', (e) => {
      const run = this.#runs.get(e.taskId);
      if (run?.span) recordError(otel, run.span, errorOf(e.error));
      if (e.final) this.#metrics()?.failed.add(1, this.#name(e.name).name);
      this.#ended(e.taskId, e.name, e.final ? 'failed' : 'retried');
    });
    on('retried', (e) => this.#metrics()?.retried.add(1, this.#name(e.name).name));
    on('rescheduled', (e) => {
      this.#metrics()?.rescheduled.add(1, this.#name(e.name).name);
      const run = this.#runs.get(e.taskId);
      run?.span?.setAttribute('tasks.lock.blocked_by', e.blockedBy);
      if (run) run.outcome = 'rescheduled';
    });
    on('deadLettered', (e) => {
      this.#metrics()?.deadLettered.add(1, this.#name(e.name).name);
      const run = this.#runs.get(e.taskId);
      if (!run) return;
      if (run.outcome !== 'failed')
        run.span?.setStatus({ code: otel.SpanStatusCode.ERROR, message: e.reason });
      run.outcome = 'dead_lettered';
    });
    on('cancelled', (e) => {
      this.#metrics()?.cancelled.add(1, this.#name(e.name).name);
      this.#ended(e.taskId, e.name, 'cancelled');
    });
  }

  /** A run of this process reached `outcome`: its span learns it, its duration is recorded. */
  #ended(taskId: string, name: string, outcome: string, durationMs?: number): void {
    const run = this.#runs.get(taskId);
    if (run) run.outcome = outcome;
    const metrics = this.#metrics();
    if (!metrics) return;
    const ms = durationMs ?? (run ? Date.now() - run.startedAt : Number.NaN);
    if (!Number.isFinite(ms)) return;
    const outcomes = this.#name(name).outcomes;
    let attributes = outcomes.get(outcome);
    if (attributes === undefined) {
      attributes = { 'tasks.task.name': name, 'tasks.outcome': outcome };
      outcomes.set(outcome, attributes);
    }
    metrics.duration.record(Math.max(0, ms) / 1000, attributes);
  }
}

/** Priority and size of each stream index (size-major, priority-minor, as `streamIndex` builds it). */
const STREAMS: ReadonlyArray<{ readonly priority: string; readonly size: string }> = SIZES.flatMap((size) =>
  PRIORITIES.map((priority) => ({ priority, size })),
);
const UNKNOWN_STREAM = { priority: 'unknown', size: 'unknown' } as const;

function errorOf(record: TaskErrorRecord): OtelApi.Exception {
  return { name: record.name, message: record.message, ...(record.stack ? { stack: record.stack } : {}) };
}

function recordError(otel: Otel, span: OtelApi.Span, error: OtelApi.Exception): void {
  span.recordException(error);
  span.setStatus({
    code: otel.SpanStatusCode.ERROR,
    message: typeof error === 'string' ? error : (error.message ?? ''),
  });
}
