// TLS for real: a redis-server with --tls-port and a CA and certificate made by openssl for
// this run; locks, a task with an execution lock, and the scheduler over rediss://, on both
// clients; a wrong CA fails at once with RedisTlsError.
import { readFileSync } from 'node:fs';
import { hold, LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import { RedisTlsError, type RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import { createNodeRedisAdapter } from '@tasks/redis-node';
import { IntervalSeconds } from '@tasks/schedules';
import {
  makeTestCertificates,
  startRedisServer,
  waitUntil,
  type RedisServer,
  type TestCertificates,
} from '@tasks/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseTask, createTaskApp, PeriodicBaseTask } from '../src/index.js';

class Locked extends BaseTask<{ job: string }, string> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.JOB, this.args.job)];
  }
  async execute(): Promise<string> {
    return `ran ${this.args.job}`;
  }
}

let ticks = 0;
class Tick extends PeriodicBaseTask<Record<string, never>, null> {
  static override defaultSchedule = new IntervalSeconds(0.2);
  async execute(): Promise<null> {
    ticks += 1;
    return null;
  }
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each([
  {
    name: 'ioredis',
    connect: (url: string, ca: Buffer): RedisAdapter => {
      const { hostname, port } = new URL(url);
      return createIoredisAdapter({ host: hostname, port: Number(port), tls: { ca } });
    },
  },
  {
    name: 'node-redis',
    connect: (url: string, ca: Buffer): RedisAdapter =>
      createNodeRedisAdapter({ url, socket: { tls: true, ca } }),
  },
])('over TLS on $name', ({ name, connect }) => {
  let certs: TestCertificates;
  let server: RedisServer;
  let redis: RedisAdapter;
  beforeAll(async () => {
    certs = makeTestCertificates();
    server = await startRedisServer({ tls: certs });
    redis = connect(server.tlsUrl ?? '', readFileSync(certs.caFile));
  });
  afterAll(async () => {
    await redis?.close();
    await server?.destroy();
    certs?.remove();
  });

  it('locks, a task with an execution lock and the scheduler work over rediss://', async () => {
    const seen = await hold(redis, new MutexLock(LockedObjectType.JOB, `tls-${name}`), async () => 'held', {
      waitMs: 5_000,
    });
    expect(seen).toBe('held');
    const app = createTaskApp({ redis, prefix: `{tls-${name}}`, tasks: [Locked, Tick], logger: quiet });
    const worker = app.createWorker({ blockMs: 100 });
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 100 });
    const running = [worker.run(), scheduler.run()];
    try {
      const handle = await app.submit(new Locked({ job: 'a' }));
      await expect(handle.result({ timeoutMs: 30_000 })).resolves.toBe('ran a');
      ticks = 0;
      await waitUntil(() => ticks >= 2, 'two periodic runs over TLS', 30_000);
    } finally {
      await scheduler.close();
      await worker.close();
      await Promise.all(running);
    }
  });

  it('a wrong CA gives RedisTlsError at once', async () => {
    const wrong = connect(server.tlsUrl ?? '', readFileSync(certs.otherCaFile));
    try {
      const error = await wrong.command(['PING']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisTlsError);
      expect((error as Error).message).toMatch(/certificate is not trusted/);
    } finally {
      await wrong.close();
    }
  });
});
