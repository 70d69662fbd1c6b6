// Spans and metrics of lock acquisition, through @opentelemetry/api (an optional peer
// dependency, resolved synchronously once per process: the API keeps its providers in a
// process-wide registry, so this copy sees the SDK the application registers). Without the
// API, or with `telemetry: false` on the acquire, an acquire pays one check.
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/**
 * The instrumentation scope name of the lock spans and metrics (`lock.acquire <kind>`,
 * `tasks.lock.wait`, `tasks.lock.acquires`, `tasks.lock.contentions`).
 * @example
 * ```ts
 * const lockSpans = spans.filter((span) => span.instrumentationScope.name === LOCKS_TELEMETRY_SCOPE);
 * ```
 */
export const LOCKS_TELEMETRY_SCOPE = '@tasks/locks';

/** Bucket bounds (seconds) of the lock wait histogram: 1 ms to 10 minutes. */
const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

interface LockTelemetry {
  readonly otel: typeof OtelApi;
  /** The meter provider the instruments were made with (the metrics API has no proxy). */
  readonly provider: OtelApi.MeterProvider;
  readonly tracer: OtelApi.Tracer;
  readonly wait: OtelApi.Histogram;
  readonly acquires: OtelApi.Counter;
  readonly contentions: OtelApi.Counter;
  /** False when the meter provider is the API's no-op one (no metrics SDK registered). */
  readonly metered: boolean;
}

let api: typeof OtelApi | null | undefined;
let loaded: LockTelemetry | undefined;
/** The API's no-op tracer provider: what the global proxy delegates to until an SDK registers. */
let noopTracerProvider: OtelApi.TracerProvider | undefined;

/** True when an application registered a tracer provider (spans may be recorded). */
function tracing(otel: typeof OtelApi): boolean {
  const provider = otel.trace.getTracerProvider();
  if (!(provider instanceof otel.ProxyTracerProvider)) return true;
  noopTracerProvider ??= new otel.ProxyTracerProvider().getDelegate();
  return provider.getDelegate() !== noopTracerProvider;
}

/**
 * @internal The lock instruments, or `null` when `@opentelemetry/api` is not installed, or
 * when no SDK is registered (neither a tracer nor a meter provider: nothing would be
 * recorded, so an acquire skips the span and metric calls). They are made again when the
 * application registers another meter provider.
 */
export function lockTelemetry(): LockTelemetry | null {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
    } catch {
      api = null;
    }
  }
  if (api === null) return null;
  const provider = api.metrics.getMeterProvider();
  if (loaded?.provider !== provider) {
    const otel = api;
    const meter = provider.getMeter(LOCKS_TELEMETRY_SCOPE);
    loaded = {
      otel,
      provider,
      tracer: otel.trace.getTracer(LOCKS_TELEMETRY_SCOPE),
      wait: meter.createHistogram('tasks.lock.wait', {
        description: 'How long acquires took, waiting included, by lock kind and outcome',
        unit: 's',
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      }),
      acquires: meter.createCounter('tasks.lock.acquires', {
        description: 'Acquire calls, by lock kind and outcome (acquired, refused, timeout, aborted, error)',
        unit: '{acquire}',
      }),
      contentions: meter.createCounter('tasks.lock.contentions', {
        description: 'Acquires that found the lock taken (refused, or had to wait in line)',
        unit: '{acquire}',
      }),
      metered: meter !== otel.createNoopMeter(),
    };
  }
  return loaded.metered || tracing(api) ? loaded : null;
}

/** @internal What a traced acquire needs to know about its lock. */
export interface TracedLock {
  readonly redisKey: string;
  readonly kind: string;
  readonly retryAfterMs: number | null;
  readonly fencingToken?: number | null;
}

/**
 * @internal Runs one acquire (`run`, which calls `contended()` when it finds the lock taken)
 * inside a `lock.acquire <kind>` span, and records its wait and outcome.
 */
export async function tracedAcquire(
  t: LockTelemetry,
  lock: TracedLock,
  waitMs: number,
  signal: AbortSignal | undefined,
  run: (contended: () => void) => Promise<boolean>,
): Promise<boolean> {
  const { otel } = t;
  const attributes = attributesOf(lock.kind);
  return t.tracer.startActiveSpan(
    attributes.spanName,
    {
      // One literal with constant keys: spreads and computed keys make slow dictionary objects.
      attributes: {
        'tasks.lock.kind': lock.kind,
        'tasks.lock.key': lock.redisKey,
        'tasks.lock.wait_budget_ms': waitMs,
      },
    },
    async (span) => {
      const started = performance.now();
      let contended = false;
      let outcome = 'error';
      try {
        const acquired = await run(() => {
          if (!contended) t.contentions.add(1, attributes.kind);
          contended = true;
        });
        outcome = acquired ? 'acquired' : waitMs > 0 ? 'timeout' : 'refused';
        if (!acquired && !contended) t.contentions.add(1, attributes.kind);
        if (acquired && typeof lock.fencingToken === 'number')
          span.setAttribute('tasks.lock.fencing_token', lock.fencingToken);
        if (!acquired && lock.retryAfterMs !== null)
          span.setAttribute('tasks.lock.retry_after_ms', lock.retryAfterMs);
        return acquired;
      } catch (error) {
        outcome = signal?.aborted ? 'aborted' : 'error';
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        const waited = performance.now() - started;
        span.setAttribute('tasks.lock.outcome', outcome);
        span.setAttribute('tasks.lock.waited_ms', Math.round(waited));
        span.end();
        const byOutcome = outcomeAttributes(attributes, outcome);
        t.wait.record(waited / 1000, byOutcome);
        t.acquires.add(1, byOutcome);
      }
    },
  );
}

/** The span name and metric attribute sets of one lock kind, made once. */
interface KindAttributes {
  readonly spanName: string;
  readonly kind: OtelApi.Attributes;
  readonly outcomes: Map<string, OtelApi.Attributes>;
}

const byKind = new Map<string, KindAttributes>();

function attributesOf(kind: string): KindAttributes {
  let cached = byKind.get(kind);
  if (cached === undefined) {
    cached = { spanName: `lock.acquire ${kind}`, kind: { 'tasks.lock.kind': kind }, outcomes: new Map() };
    byKind.set(kind, cached);
  }
  return cached;
}

function outcomeAttributes(cached: KindAttributes, outcome: string): OtelApi.Attributes {
  let attributes = cached.outcomes.get(outcome);
  if (attributes === undefined) {
    attributes = { 'tasks.lock.kind': cached.kind['tasks.lock.kind'], 'tasks.lock.outcome': outcome };
    cached.outcomes.set(outcome, attributes);
  }
  return attributes;
}
