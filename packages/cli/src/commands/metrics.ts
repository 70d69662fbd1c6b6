import { createServer } from 'node:net';
import { createTaskApp, type StreamedEvent, type TaskApp } from '@tasks/core';
import { integerOption, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { ConfigFileError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { nextStopSignal, noMoreArgs } from './shared.js';

const INSTALL =
  'npm install @opentelemetry/api@1.9.1 @opentelemetry/sdk-metrics@2.12.0 @opentelemetry/exporter-prometheus@0.223.0';

/** The parts of the optional OpenTelemetry packages the command uses, loaded on demand. */
interface Otel {
  readonly api: typeof import('@opentelemetry/api');
  readonly sdk: typeof import('@opentelemetry/sdk-metrics');
  readonly prometheus: typeof import('@opentelemetry/exporter-prometheus');
}

async function loadOtel(): Promise<Otel> {
  try {
    const [api, sdk, prometheus] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/exporter-prometheus'),
    ]);
    return { api, sdk, prometheus };
  } catch (error) {
    throw new ConfigFileError(
      null,
      null,
      `tasks metrics needs the OpenTelemetry packages, which are optional dependencies of @tasks/cli and are not installed (${String(error)}). Install them: ${INSTALL}`,
    );
  }
}

/** `tasks metrics`: a Prometheus endpoint with the queue gauges and the app's event counts. */
export const metricsCommand: CommandSpec = {
  name: 'metrics',
  summary: 'serve queue gauges and task event counts for Prometheus to scrape',
  usage: ['metrics [--port 9464] [--host 0.0.0.0] [--refresh-ms 5000]'],
  description:
    'Serves the OpenTelemetry metrics of the app under --prefix in the Prometheus exposition ' +
    'format on http://HOST:PORT/metrics: queue depth and pending per priority and size, delayed ' +
    'tasks, dead-letter queue size and live workers (read from Redis at most every --refresh-ms, ' +
    'whatever the scrape rate), and tasks_events_total, every lifecycle event of every process ' +
    '(submitted, succeeded, failed, retried, rescheduled, deadLettered, ...) by task name, counted ' +
    'from the moment it starts. Needs the optional dependencies @opentelemetry/api, ' +
    '@opentelemetry/sdk-metrics and @opentelemetry/exporter-prometheus. Stop with Ctrl-C.',
  options: {
    port: { type: 'string', value: 'N', help: 'port to listen on (default 9464; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', help: 'address to listen on (default 0.0.0.0)' },
    'refresh-ms': {
      type: 'string',
      value: 'MS',
      help: 'read the queue from Redis at most this often (default 5000)',
    },
  },
  examples: [
    ['tasks metrics', 'serve http://0.0.0.0:9464/metrics'],
    ['tasks metrics --port 9100 --refresh-ms 15000', 'another port, fewer Redis reads'],
  ],
  config: 'optional',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'metrics');
    const requested = integerOption(values, 'port', 9464, 0, 65_535);
    const host = stringOption(values, 'host') ?? '0.0.0.0';
    const refreshMs = integerOption(values, 'refresh-ms', 5_000, 100);
    const otel = await loadOtel();
    const redis = await session.redis();
    const port = requested === 0 ? await freePort(host) : requested;
    const exporter = await startExporter(otel, host, port);
    const provider = new otel.sdk.MeterProvider({ readers: [exporter] });
    otel.api.metrics.setGlobalMeterProvider(provider);
    const app = createTaskApp({
      redis,
      tasks: session.config?.tasks ?? [],
      prefix: session.prefix,
      logger: session.out.logger(),
      telemetry: { traces: false, metrics: false, queueMetrics: true, queueMetricsRefreshMs: refreshMs },
    });
    const stop = nextStopSignal();
    const reading = new AbortController();
    const counting = countEvents(otel, app, reading.signal);
    session.out.note(
      `Serving metrics of prefix ${session.prefix} (${session.shownUrl}) on http://${host}:${port}/metrics. Stop with Ctrl-C.`,
    );
    try {
      await Promise.race([stop.signal, counting]);
    } finally {
      stop.dispose();
      reading.abort();
      await counting.catch(() => undefined);
      await app.close({ closeRedis: false });
      await provider.shutdown().catch(() => undefined);
    }
    return ExitCode.OK;
  },
};

/** Starts the Prometheus exporter's server. @throws when it cannot listen. */
function startExporter(
  otel: Otel,
  host: string,
  port: number,
): Promise<InstanceType<Otel['prometheus']['PrometheusExporter']>> {
  return new Promise((resolve, reject) => {
    const exporter = new otel.prometheus.PrometheusExporter({ host, port }, (error) =>
      error ? reject(new Error(`cannot listen on ${host}:${port}: ${String(error)}`)) : resolve(exporter),
    );
  });
}

/** Counts every event of the app's event stream by type and task name, until `signal`. */
async function countEvents(otel: Otel, app: TaskApp, signal: AbortSignal): Promise<void> {
  const counter = otel.api.metrics.getMeter('@tasks/cli').createCounter('tasks.events', {
    description:
      "Lifecycle events of every process of the app, from its event stream, since 'tasks metrics' started",
    unit: '{event}',
  });
  for await (const event of app.events({ signal, blockMs: 1_000 })) {
    const name = taskNameOf(event);
    counter.add(1, { 'tasks.event': event.type, ...(name ? { 'tasks.task.name': name } : {}) });
  }
}

function taskNameOf(event: StreamedEvent): string | null {
  const data = event.data as { name?: unknown };
  return typeof data.name === 'string' ? data.name : null;
}

/** A free port on `host` (listen on 0, then close). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
