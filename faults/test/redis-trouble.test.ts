// Redis in trouble: full memory (maxmemory reached under noeviction) with a backlog a worker
// process must drain, an evicting policy the worker warns about, and TLS. Run per client.
import { readFileSync } from 'node:fs';
import { RedisOutOfMemoryError, RedisTlsError, type RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { makeTestCertificates, startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterFor, faultClient } from '../src/connect.js';
import { EchoTask, RecordTask } from '../src/tasks.js';
import { faultApp } from './support/load.js';
import { killAllChildren, startChild } from './support/processes.js';
import { recordCheck, recordScenario } from './support/report.js';
import { doneCount, tally } from './support/tally.js';

const FILE = '6-redis-trouble';
const client = faultClient();
const servers: RedisServer[] = [];
const adapters: RedisAdapter[] = [];
afterAll(async () => {
  await killAllChildren();
  await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.destroy()));
});

async function server(
  args: readonly string[],
  tls?: Parameters<typeof startRedisServer>[0],
): Promise<RedisServer> {
  const started = await startRedisServer({ ...tls, args });
  servers.push(started);
  return started;
}

describe('6. Redis in trouble', () => {
  it('6a. a full Redis (maxmemory 3 MB, noeviction): submits refused clearly, a worker started on it drains the backlog', async () => {
    const full = await server(['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction']);
    const redis = adapterFor(full.url);
    adapters.push(redis);
    const { app, effects, prefix } = faultApp(redis, 'full');
    const acked: string[] = [];
    let refused: unknown;
    let refusals = 0;
    // Fill: submit until Redis refuses 50 submits in a row (bounded by count and time).
    const deadline = Date.now() + 60_000;
    while (refusals < 50 && acked.length < 20_000 && Date.now() < deadline) {
      try {
        acked.push((await app.submit(new RecordTask({ n: acked.length, ms: 0 }))).id);
        refusals = 0;
      } catch (error) {
        refused ??= error;
        refusals += 1;
      }
    }
    const typed = refused instanceof RedisOutOfMemoryError;
    const started = Date.now();
    const worker = await startChild('worker', `full-${client}`, {
      REDIS_URL: full.url,
      PREFIX: prefix,
      CONCURRENCY: '20',
      FAULTS_CLIENT: client,
    });
    const drainDeadline = Date.now() + 90_000;
    while ((await doneCount(redis, effects)) < acked.length && Date.now() < drainDeadline)
      await new Promise((r) => setTimeout(r, 200));
    const drainMs = Date.now() - started;
    const counts = await tally(redis, effects, acked);
    const errors = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('error '));
    const after = await app.submit(new RecordTask({ n: -1, ms: 0 })).then(
      () => 'accepted',
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    const ok = typed && counts.lost === 0 && acked.length >= 1_500 && errors.length === 0;
    recordScenario(FILE, {
      scenario: '6a. Redis full (maxmemory 3 MB, noeviction): fill, then start a worker process',
      submitted: acked.length,
      completed: counts.completed,
      duplicates: counts.duplicates,
      lost: counts.lost,
      ok,
      notes:
        `submits refused with ${refused instanceof Error ? `${refused.name}: "${refused.message.slice(0, 90)}…"` : String(refused)}; ` +
        `all ${counts.completed} queued tasks drained ${(drainMs / 1000).toFixed(1)} s after the worker process started ` +
        `(${errors.length} worker errors${errors[0] ? `, first: ${errors[0].slice(0, 80)}` : ''}); ` +
        `a submit after the drain: ${after}`,
    });
    expect(typed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(1_500);
    expect(counts.lost).toBe(0);
    expect(errors).toEqual([]);
  });

  it('6b. an evicting maxmemory-policy is warned about at worker start', async () => {
    const evicting = await server(['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru']);
    const redis = adapterFor(evicting.url);
    adapters.push(redis);
    const { app } = faultApp(redis, 'evict');
    const warnings: string[] = [];
    app.on('redisChecked', ({ findings }) => {
      for (const f of findings) if (f.level !== 'info') warnings.push(`${f.check}: ${f.message}`);
    });
    const worker = app.createWorker({ blockMs: 100 });
    const running = worker.run();
    const strict = await app
      .createWorker({ redisChecks: 'strict' })
      .run()
      .then(
        () => 'started',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
    await worker.close();
    await running;
    const warning = warnings.find((w) => w.includes('eviction-policy')) ?? '';
    const ok =
      /volatile-lru/.test(warning) &&
      /two holders of one mutex/.test(warning) &&
      strict === 'RedisCheckError';
    recordCheck(FILE, {
      check: 'eviction policy volatile-lru: warning at worker start',
      outcome: `logged: "${warning.slice(0, 220)}…"; with redisChecks 'strict' the worker refused to start (${strict})`,
      ok,
    });
    expect(ok).toBe(true);
  });

  it('6c. TLS: a task and its result over rediss:// with a test CA; a wrong CA fails at once', async () => {
    const certs = makeTestCertificates();
    try {
      const tlsServer = await server([], { tls: certs });
      const url = tlsServer.tlsUrl ?? '';
      const connect = (caFile: string): RedisAdapter => {
        const ca = readFileSync(caFile);
        if (client === 'node-redis') return createNodeRedisAdapter({ url, socket: { tls: true, ca } });
        const { hostname, port } = new URL(url);
        return createIoredisAdapter({ host: hostname, port: Number(port), tls: { ca } });
      };
      const redis = connect(certs.caFile);
      adapters.push(redis);
      const { app } = faultApp(redis, 'tls');
      const worker = app.createWorker({ blockMs: 100, redisChecks: 'off' });
      const running = worker.run();
      const value = await (await app.submit(new EchoTask({ over: 'tls' }))).result({ timeoutMs: 30_000 });
      await worker.close();
      await running;
      const wrong = connect(certs.otherCaFile);
      adapters.push(wrong);
      const t = Date.now();
      const error = await wrong.command(['PING']).catch((e: unknown) => e);
      const ms = Date.now() - t;
      const ok = JSON.stringify(value) === '{"over":"tls"}' && error instanceof RedisTlsError;
      recordCheck(FILE, {
        check: 'TLS (rediss://, throwaway CA made by openssl): a task round trip; a wrong CA',
        outcome: `task result ${JSON.stringify(value)} over TLS; wrong CA: ${error instanceof Error ? `${error.name} after ${ms} ms: "${error.message.slice(0, 120)}…"` : String(error)}`,
        ok,
      });
      expect(ok).toBe(true);
    } finally {
      certs.remove();
    }
  });
});
