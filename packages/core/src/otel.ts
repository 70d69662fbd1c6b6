// The one place @tasks/core reaches @opentelemetry/api, an optional peer dependency. It is
// resolved synchronously, once per process, so a task submitted right after the app is
// created is already traced; the API keeps its providers in a process-wide registry, so this
// copy sees the tracer and meter providers the application registers, however it imports it.
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** @internal The OpenTelemetry API module. */
export type Otel = typeof OtelApi;
/** @internal A W3C trace-context carrier (`traceparent`, `tracestate`, or a registered propagator's fields). */
export type TraceCarrier = Readonly<Record<string, string>>;

let loaded: Otel | null | undefined;

/** @internal The OpenTelemetry API, or `null` when it is not installed. */
export function loadOtel(): Otel | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as Otel;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * @internal The trace context of `ctx` as a carrier: through the registered propagator, and
 * as a W3C `traceparent` when none is registered. `undefined` when `ctx` has no valid span.
 */
export function injectContext(otel: Otel, ctx: OtelApi.Context): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(ctx, carrier);
  if (carrier.traceparent === undefined) {
    const sc = otel.trace.getSpanContext(ctx);
    if (sc && otel.isSpanContextValid(sc)) {
      carrier.traceparent = `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`;
      const state = sc.traceState?.serialize();
      if (state) carrier.tracestate = state;
    }
  }
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** @internal The remote context a carrier describes (the root context when it describes none). */
export function extractContext(otel: Otel, carrier: TraceCarrier): OtelApi.Context {
  const ctx = otel.propagation.extract(otel.ROOT_CONTEXT, carrier);
  if (otel.trace.getSpanContext(ctx)) return ctx;
  const m = TRACEPARENT.exec(carrier.traceparent ?? '');
  if (!m) return ctx;
  return otel.trace.setSpanContext(ctx, {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: parseInt(m[3] as string, 16) & 1,
    isRemote: true,
    ...(carrier.tracestate ? { traceState: otel.createTraceState(carrier.tracestate) } : {}),
  });
}
