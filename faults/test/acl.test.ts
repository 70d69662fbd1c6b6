// A least-privilege Redis ACL user, limited to the app's keys and channels and to the
// commands the system sends (read off the scripts and adapters), runs a worker, submit,
// results, delayed tasks, the DLQ, the scheduler and every kind of lock end to end.
// ACL LOG must stay empty: no command of the system was denied, not even one it tolerates.
import { TaskFailedError, type TaskApp } from '@tasks/core';
import {
  ConcurrencyLimiter,
  ExclusiveRWLock,
  hold,
  LockedObjectType,
  MutexLock,
  RateLimiter,
  SharedRWLock,
} from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { startRedisServer, testPrefix, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { EchoTask, FailsToDlqTask, FanOutTask, StallTask, type EffectKeys } from '../src/tasks.js';
import { check, eventually } from './support/checks.js';
import { faultApp } from './support/load.js';
import { doneCount } from './support/tally.js';
import { adapterFor } from '../src/connect.js';

const FILE = '8-acl';
const USER = 'tasks-app';
const PASSWORD = 'faults-acl-password';

/**
 * Every command the system sends, by origin, each one needed (dropping any one makes a step
 * below fail or shows in ACL LOG). Connection: INFO, ioredis' ready check (AUTH is always
 * allowed; CLIENT SETINFO does not exist on Redis 7.0 and is ignored by ioredis). Broker scripts
 * (packages/core/src/*-scripts.ts), lock scripts (packages/locks/src/scripts.ts), and plain
 * commands of core, locks and the result waiter. The test's own tasks add HINCRBY, RPUSH.
 */
export const COMMANDS = {
  connection: ['info'],
  scripts: ['eval', 'evalsha', 'time'],
  streams: [
    'xadd',
    'xgroup|create',
    'xreadgroup',
    'xack',
    'xdel',
    'xclaim',
    'xautoclaim',
    'xpending',
    'xlen',
    'xinfo|consumers',
    'xgroup|delconsumer',
  ],
  strings: ['get', 'set', 'del', 'exists', 'pexpire', 'pttl', 'incr', 'incrby', 'decr'],
  hashes: ['hset', 'hget', 'hdel', 'hgetall', 'hmget', 'hsetnx', 'hexists', 'hincrby'],
  sortedSets: [
    'zadd',
    'zrem',
    'zrange',
    'zrangebyscore',
    'zremrangebyscore',
    'zremrangebyrank',
    'zcard',
    'zscore',
    'zpopmin',
  ],
  sets: ['sismember', 'smembers'],
  setsAndLists: ['sadd', 'scard', 'lpush', 'ltrim', 'rpush', 'llen', 'lindex', 'lrange', 'lrem'],
  pubsub: ['publish', 'subscribe', 'unsubscribe'],
} as const;

describe('least-privilege ACL user', () => {
  let server: RedisServer;
  let admin: RedisAdapter;
  let restricted: RedisAdapter;
  let app: TaskApp;
  let effects: EffectKeys;
  let rule = '';

  beforeAll(async () => {
    server = await startRedisServer();
    admin = adapterFor(server.url);
    const prefix = `{${testPrefix('faults-acl')}}`;
    const keys = [prefix, 'lock:', '{lock:', 'limiter:', '{limiter:'];
    const channels = [prefix, '{lock:', '{limiter:'];
    const commands = Object.values(COMMANDS).flat();
    const args = ['on', `>${PASSWORD}`, 'resetkeys', 'resetchannels', '-@all'];
    args.push(
      ...keys.map((k) => `~${k}*`),
      ...channels.map((c) => `&${c}*`),
      ...commands.map((c) => `+${c}`),
    );
    rule = args.filter((a) => !a.startsWith('>')).join(' ');
    await admin.command(['ACL', 'SETUSER', USER, ...args]);
    await admin.command(['ACL', 'LOG', 'RESET']);
    restricted = adapterFor(`redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}`);
    ({ app, effects } = faultApp(restricted, 'acl', { prefix }));
  });
  afterAll(async () => {
    await restricted?.close();
    await admin?.close();
    await server?.destroy();
  });

  // The Redis checks at worker/scheduler start try CONFIG GET and read INFO when it is denied
  // (as here): that one denial is expected; any other is a command the system needs.
  const denials = async (): Promise<string[]> => {
    const log = (await admin.command(['ACL', 'LOG'])) as string[][];
    return log
      .map((entry) => {
        const field = (name: string): string => String(entry[entry.indexOf(name) + 1]);
        return `${field('reason')} ${field('object')} (${field('context')})`;
      })
      .filter((denial) => !/^command config\|get \(toplevel\)$/.test(denial));
  };

  check(FILE, `ACL rule of the app's user (ACL SETUSER ${USER} … ; password elided)`, async () => rule);

  check(
    FILE,
    'worker, submit, results, delayed tasks, DLQ, fan-out/fan-in and scheduler as the ACL user',
    async () => {
      const worker = app.createWorker({ blockMs: 100, idleTimeoutMs: 1_000 });
      void worker.run();
      try {
        expect(await (await app.submit(new EchoTask({ acl: 1 }))).result({ timeoutMs: 10_000 })).toEqual({
          acl: 1,
        });
        const later = await app.submit(new EchoTask({ acl: 2 }), { delayMs: 50 });
        expect(await later.result({ timeoutMs: 10_000 })).toEqual({ acl: 2 });
        const failing = await app.submit(new FailsToDlqTask({ why: 'acl' }));
        expect(await failing.result({ timeoutMs: 10_000 }).catch((e: unknown) => e)).toBeInstanceOf(
          TaskFailedError,
        );
        const [entry] = await app.dlq.list();
        expect(entry?.taskId).toBe(failing.id);
        const replayed = await app.dlq.replay(failing.id);
        expect(await replayed.result({ timeoutMs: 10_000 }).catch((e: unknown) => e)).toBeInstanceOf(
          TaskFailedError,
        );
        expect(await app.dlq.purge()).toBe(1);
        const token = await (
          await app.submit(
            new StallTask({ key: 'acl', lockPrefix: '', ttlMs: 3_000, writer: 'acl', writes: 2 }),
          )
        ).result({ timeoutMs: 10_000 });
        expect(token).toBeGreaterThan(0);
        await (await app.submit(new FanOutTask({ children: 3 }))).result({ timeoutMs: 10_000 });
        const events = (): Promise<string[]> =>
          admin.command(['LRANGE', effects.events, 0, -1], { key: effects.events }) as Promise<string[]>;
        await eventually('the fan-in callback', async () =>
          (await events()).some((e) => e.startsWith('fanin|3|')),
        );
        // The periodic task's mutex held by "a previous run": the scheduler skips and records it.
        const previousRun = new MutexLock(LockedObjectType.TASK, 'FaultTick').withPrefix(app.keys.root); // task locks live under the app's prefix
        expect(await previousRun.acquire(restricted)).toBe(true);
        const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
        void scheduler.run();
        const skipped = app.keys.key('scheduler', 'skipped');
        await eventually(
          'a skipped occurrence',
          async () => Number(await admin.command(['LLEN', skipped])) > 0,
          5_000,
        );
        await previousRun.release(restricted);
        const before = await doneCount(admin, effects);
        await eventually('a periodic run', async () => (await doneCount(admin, effects)) > before, 5_000);
        await scheduler.close();
        const status = await app.status();
        expect(status.workers.length).toBe(1);
      } finally {
        await worker.close({ timeoutMs: 2_000 });
      }
      expect(await denials()).toEqual([]);
      return "every step passed; ACL LOG empty (no command denied) apart from the start checks' CONFIG GET, which falls back to INFO";
    },
  );

  check(FILE, 'every lock kind, waiting hand-off and the watchdog as the ACL user', async () => {
    const holder = new MutexLock(LockedObjectType.JOB, 'acl');
    const waiter = new MutexLock(LockedObjectType.JOB, 'acl');
    expect(await holder.acquire(restricted)).toBe(true);
    setTimeout(() => void holder.release(restricted), 100);
    expect(await waiter.acquire(restricted, { waitMs: 5_000 })).toBe(true);
    await waiter.release(restricted);
    const writer = new ExclusiveRWLock(LockedObjectType.JOB, 'acl-rw');
    const reader = new SharedRWLock(LockedObjectType.JOB, 'acl-rw');
    expect(await writer.acquire(restricted)).toBe(true);
    setTimeout(() => void writer.release(restricted), 100);
    expect(await reader.acquire(restricted, { waitMs: 5_000 })).toBe(true);
    expect(await reader.extend(restricted)).toBe(true);
    await reader.release(restricted);
    const rate = new RateLimiter(LockedObjectType.JOB, 'acl', { limit: 1, windowSeconds: 60 });
    expect(await rate.acquire(restricted)).toBe(true);
    expect(await rate.acquire(restricted)).toBe(false);
    const slots = new ConcurrencyLimiter(LockedObjectType.JOB, 'acl', { limit: 1 });
    await hold(
      restricted,
      [slots, new MutexLock(LockedObjectType.JOB, 'acl-held', { ttlMs: 300 })],
      async (signal) => {
        await new Promise((r) => setTimeout(r, 400)); // the watchdog extends the 300 ms lease meanwhile
        expect(signal.aborted).toBe(false);
      },
    );
    expect(await denials()).toEqual([]);
    return 'mutex hand-off, RW locks, rate and concurrency limiters, hold() with watchdog: ACL LOG empty';
  });

  check(FILE, 'the ACL user is refused everything else', async () => {
    const refused = async (args: string[]): Promise<boolean> =>
      restricted.command(args).then(
        () => false,
        (e: unknown) => /NOPERM/.test(String(e)),
      );
    const attempts = [
      ['GET', 'someone-else:key'],
      ['SET', 'tasks:other-app', '1'],
      ['PUBLISH', 'other-channel', 'x'],
      ['FLUSHALL'],
      ['KEYS', '*'],
      ['CONFIG', 'GET', 'dir'],
      ['SCRIPT', 'FLUSH'],
    ];
    for (const args of attempts) expect(await refused(args), args.join(' ')).toBe(true);
    return `NOPERM for ${attempts.map((a) => a.slice(0, 2).join(' ')).join(', ')}`;
  });
});
