// `tasks metrics` and an app's own Prometheus endpoint: the exposition parses, and shows the
// queue gauges and the counters of what ran.
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BaseTask, createTaskApp, type TaskApp } from '@tasks/core';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { waitUntil } from '@tasks/testing';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-metrics');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

class Add extends BaseTask<{ a: number; b: number }, number> {
  async execute(): Promise<number> {
    return this.args.a + this.args.b;
  }
}

/** One sample of the exposition format. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses a Prometheus text exposition; throws on a line that is neither a comment nor a sample. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = l[2] as string;
      return { name: m[1] as string, labels, value: Number(m[3]) };
    });
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await response.text());
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const apps: TaskApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close({ timeoutMs: 2_000 })));
});

describe('tasks metrics', () => {
  it('serves queue gauges and event counters that a Prometheus scrape parses', async () => {
    const prefix = r.prefix();
    const cli = startTasks(['metrics', '--port', '0', '--refresh-ms', '200', ...r.cli(prefix)]);
    try {
      await cli.waitFor(/on http:\/\/\S+:\d+\/metrics/);
      const port = /:(\d+)\/metrics/.exec(cli.stdout() + cli.stderr())?.[1];
      const url = `http://127.0.0.1:${port}/metrics`;
      const app = createTaskApp({ redis: createIoredisAdapter(r.url), tasks: [Add], prefix, logger: quiet });
      apps.push(app);
      await app.submitMany([new Add({ a: 1, b: 2 }), new Add({ a: 3, b: 4 })]);
      const queue = { tasks_priority: 'normal', tasks_size: 'medium' };
      let samples: Sample[] = [];
      await waitUntil(async () => {
        samples = await scrape(url);
        return valueOf(samples, 'tasks_queue_depth', queue) === 2;
      }, 'depth 2 scraped');
      expect(valueOf(samples, 'tasks_dlq_size')).toBe(0);
      expect(valueOf(samples, 'tasks_delayed')).toBe(0);
      const worker = app.createWorker({ blockMs: 200 });
      void worker.run();
      const succeeded = { tasks_event: 'succeeded', tasks_task_name: 'Add' };
      await waitUntil(async () => {
        samples = await scrape(url);
        return valueOf(samples, 'tasks_events_total', succeeded) === 2;
      }, 'two successes scraped');
      expect(
        valueOf(samples, 'tasks_events_total', { tasks_event: 'submitted', tasks_task_name: 'Add' }),
      ).toBe(2);
      await waitUntil(async () => valueOf(await scrape(url), 'tasks_queue_depth', queue) === 0, 'depth 0');
      expect(valueOf(await scrape(url), 'tasks_workers_alive')).toBe(1);
    } finally {
      const result = await cli.stop('SIGTERM');
      expect(result.code).toBe(0);
    }
  });

  it("an app's own endpoint (the documented snippet) shows its task counters and durations", async () => {
    const port = await freePort();
    const exporter = await new Promise<PrometheusExporter>((resolve, reject) => {
      const e: PrometheusExporter = new PrometheusExporter({ port, host: '127.0.0.1' }, (error) =>
        error ? reject(error) : resolve(e),
      );
    });
    const provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const app = createTaskApp({
        redis: createIoredisAdapter(r.url),
        tasks: [Add],
        prefix: r.prefix(),
        logger: quiet,
      });
      apps.push(app);
      const handles = await app.submitMany([
        new Add({ a: 1, b: 1 }),
        new Add({ a: 2, b: 2 }),
        new Add({ a: 3, b: 3 }),
      ]);
      const worker = app.createWorker({ blockMs: 200 });
      void worker.run();
      for (const handle of handles) await handle.result({ timeoutMs: 20_000 });
      const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
      const add = { tasks_task_name: 'Add' };
      expect(valueOf(samples, 'tasks_submitted_total', add)).toBe(3);
      expect(valueOf(samples, 'tasks_succeeded_total', add)).toBe(3);
      expect(valueOf(samples, 'tasks_duration_count', { ...add, tasks_outcome: 'succeeded' })).toBe(3);
      expect(valueOf(samples, 'tasks_queue_wait_count', add)).toBe(3);
    } finally {
      await provider.shutdown();
    }
  });
});
