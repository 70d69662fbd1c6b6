// Crashes and restarts: workers killed with SIGKILL in child processes, and a Redis restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { startRedisServer } from '@tasks/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BaseTask, createTaskApp, type TaskContext } from '../src/index.js';
import { clients, useApps, waitUntil } from './helpers.js';

class Crashy extends BaseTask<Record<string, never>, never> {
  async execute(): Promise<never> {
    throw new Error('runs only in the child process');
  }
}
class Busy extends BaseTask<{ ms: number }, number> {
  async execute(_ctx: TaskContext): Promise<number> {
    return 0;
  }
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [new URL('./fixtures/worker-process.mjs', import.meta.url).pathname],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
  });
}

describe.each(clients())('crashed workers on $name', (client) => {
  const t = useApps(client);
  const cluster = inject('redisCluster');
  const where = (): Record<string, string> => ({
    CLIENT: client.name.split(' ')[0] as string,
    SHARDS: String(client.shards ?? 1),
    ...(client.cluster && cluster
      ? { CLUSTER_NODES: JSON.stringify(cluster.rootNodes) }
      : { REDIS_URL: inject('redisUrl') }),
  });

  it('a task whose worker is killed is completed by another worker after the idle timeout', async () => {
    const app = t.app({ tasks: [Crashy, Busy] });
    const env = { ...where(), PREFIX: app.keys.prefix, IDLE_MS: '600' };
    const first = await startWorkerProcess(env);
    const handle = await app.submit(new Busy({ ms: 10_000 }));
    const runsKey = `${app.keys.prefix}:runs`;
    await waitUntil(async () => Number(await t.redis().command(['LLEN', runsKey], { key: runsKey })) === 1);
    first.kill('SIGKILL');
    await startWorkerProcess(env);
    // The second worker reclaims it after ~600 ms idle and runs it to the end (10 s sleep is cut
    // short by the test: we only need to see it start again under the same id).
    await waitUntil(
      async () => Number(await t.redis().command(['LLEN', runsKey], { key: runsKey })) === 2,
      15_000,
    );
    const runs = (await t.redis().command(['LRANGE', runsKey, 0, -1], { key: runsKey })) as string[];
    expect(runs.map((r) => r.split(':')[0])).toEqual([handle.id, handle.id]);
    expect(runs[0]?.split(':')[1]).not.toBe(runs[1]?.split(':')[1]);
  });

  it('a task kept busy longer than the idle timeout by a live worker is not reclaimed', async () => {
    const app = t.app({ tasks: [Crashy, Busy] });
    // Heartbeats every idle/3: the run lasts three idle timeouts. (An idle timeout shorter than
    // the event loop's stalls on a badly overloaded machine would let the entry be reclaimed.)
    const env = { ...where(), PREFIX: app.keys.prefix, IDLE_MS: '1000' };
    await startWorkerProcess(env);
    await startWorkerProcess(env);
    const handle = await app.submit(new Busy({ ms: 3_000 }));
    expect(await handle.result({ timeoutMs: 20_000 })).toBeGreaterThan(0);
    const runsKey = `${app.keys.prefix}:runs`;
    const runs = (await t.redis().command(['LRANGE', runsKey, 0, -1], { key: runsKey })) as string[];
    expect(runs).toHaveLength(1);
  });

  it('an entry that crashes its worker every time reaches the DLQ after the delivery cap', async () => {
    const app = t.app({ tasks: [Crashy, Busy] });
    const env = {
      ...where(),
      PREFIX: app.keys.prefix,
      IDLE_MS: '300',
      MAX_DELIVERIES: '1',
    };
    const handle = await app.submit(new Crashy({}));
    // Generous: on a loaded machine a worker process takes seconds to start.
    const deadline = Date.now() + 120_000;
    while ((await app.dlq.size()) === 0 && Date.now() < deadline) {
      const child = await startWorkerProcess(env);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      child.kill('SIGKILL');
    }
    const [entry] = await app.dlq.list();
    expect(entry?.taskId).toBe(handle.id);
    expect(entry?.reason).toMatch(/delivered 2 times/);
    // Its outcome is recorded: result() rejects at once, with the same reason.
    await expect(handle.result({ timeoutMs: 1_000 })).rejects.toThrow(/dead-lettered: delivered 2 times/);
    const status = await app.status();
    expect(status.running).toBe(0);
  }, 180_000);
});

describe('Redis restart', () => {
  it('a running worker reconnects and processes what is submitted afterwards', async () => {
    const server = await startRedisServer();
    const redis = createIoredisAdapter(server.url);
    const app = createTaskApp({
      redis,
      tasks: [Busy],
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const worker = app.createWorker({ blockMs: 200 });
    void worker.run();
    try {
      expect(await (await app.submit(new Busy({ ms: 0 }))).result({ timeoutMs: 5_000 })).toBe(0);
      await server.stop();
      await new Promise((r) => setTimeout(r, 500));
      await server.restart();
      // Everything (groups included) is gone: the worker recreates them and carries on.
      const handle = await app.submit(new Busy({ ms: 0 }));
      expect(await handle.result({ timeoutMs: 15_000 })).toBe(0);
    } finally {
      await worker.close({ timeoutMs: 1_000 });
      await redis.close();
      await server.destroy();
    }
  });
});
