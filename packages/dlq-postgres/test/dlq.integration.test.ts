// The DLQ over PostgreSQL end to end: tasks dead-lettered by real workers on a real Redis,
// forwarded to a private schema, surviving a Redis restart without persistence and a
// PostgreSQL outage, replayed once under concurrency, hostile arguments intact.
import {
  createTaskApp,
  DeadLetterNotFoundError,
  Priority,
  Size,
  type TaskApp,
  type TaskAppOptions,
} from '@tasks/core';
import type { RedisAdapter } from '@tasks/redis';
import { createIoredisAdapter } from '@tasks/redis-ioredis';
import {
  deleteKeysWithPrefix,
  startRedisServer,
  testPrefix,
  waitUntil,
  type RedisServer,
} from '@tasks/testing';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import type { PostgresDeadLetterStore } from '../src/index.js';
import { Doomed, pgAddress, Relay, useStores } from './helpers.js';

const t = useStores();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const adapters: RedisAdapter[] = [];
const apps: TaskApp[] = [];
const prefixes: Array<[RedisAdapter, string]> = [];

function connect(url = inject('redisUrl')): RedisAdapter {
  const adapter = createIoredisAdapter(url);
  adapters.push(adapter);
  return adapter;
}

function app(
  redis: RedisAdapter,
  store: PostgresDeadLetterStore,
  extra: Partial<TaskAppOptions> = {},
): TaskApp {
  const prefix = extra.prefix ?? `{${testPrefix('dlqpg')}}`;
  prefixes.push([redis, prefix]);
  const created = createTaskApp({
    redis,
    tasks: [Doomed],
    prefix,
    logger: quiet,
    deadLetterStore: store,
    deadLetterForwarding: { intervalMs: 50, maxBackoffMs: 200 },
    ...extra,
  });
  apps.push(created);
  return created;
}

async function deadLetter(
  a: TaskApp,
  count: number,
  args: (i: number) => unknown = (i) => ({ i }),
): Promise<string[]> {
  const handles = await a.submitMany(Array.from({ length: count }, (_, i) => new Doomed(args(i))));
  await Promise.all(handles.map((h) => h.result({ timeoutMs: 20_000 }).catch(() => undefined)));
  return handles.map((h) => h.id);
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close({ closeRedis: false, timeoutMs: 2_000 })));
});
afterAll(async () => {
  for (const [redis, prefix] of prefixes) await deleteKeysWithPrefix(redis, prefix).catch(() => undefined);
  await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
});

/** Entries still in the app's Redis DLQ (not yet forwarded). */
async function inRedis(a: TaskApp): Promise<number> {
  return Number(await a.redis.command(['ZCARD', a.keys.dlq], { key: a.keys.dlq }));
}

/**
 * Waits until the forwarder has moved `rows` entries: it commits each row to PostgreSQL first
 * and deletes the entry from Redis only then, so both steps are waited for.
 */
async function forwarded(a: TaskApp, store: PostgresDeadLetterStore, rows: number): Promise<void> {
  await waitUntil(
    async () => (await store.size()) === rows && (await inRedis(a)) === 0,
    `${rows} row(s) in PostgreSQL and none left in Redis`,
    20_000,
  );
}

describe('DLQ over PostgreSQL', () => {
  it('round trip: dead-lettered in Redis, forwarded to PostgreSQL, listed, shown, purged', async () => {
    const store = await t.store();
    const a = app(connect(), store);
    void a.createWorker({ blockMs: 200 }).run();
    const ids = await deadLetter(a, 3);
    // The background forwarder moves them (no API call in between).
    await forwarded(a, store, 3);
    expect(await store.size()).toBe(3);
    expect(await inRedis(a)).toBe(0);
    expect(await a.dlq.pending()).toBe(0);
    const listed = await a.dlq.list();
    expect(listed.map((e) => e.id).sort()).toEqual([...ids].sort());
    const one = await a.dlq.get(ids[0] as string);
    expect(one?.taskName).toBe('Doomed');
    expect(one?.args).toEqual({ i: 0 });
    expect(one?.errors.at(-1)?.message).toBe('doomed on purpose');
    expect(await a.dlq.list({ taskName: 'Other' })).toEqual([]);
    expect(await a.dlq.purge(ids[0])).toBe(1);
    expect(await a.dlq.size()).toBe(2);
    expect(await a.dlq.purge()).toBe(2);
    expect(await a.dlq.size()).toBe(0);
  });

  it('still lists every entry after Redis restarts without persistence', async () => {
    const server: RedisServer = await startRedisServer();
    try {
      const store = await t.store();
      const prefix = `{${testPrefix('dlqpg')}}`;
      const first = app(connect(server.url), store, { prefix });
      void first.createWorker({ blockMs: 200 }).run();
      const ids = await deadLetter(first, 4);
      await waitUntil(
        async () => (await first.dlq.pending()) === 0 && (await store.size()) === 4,
        'all forwarded',
        20_000,
      );
      await first.close({ closeRedis: false, timeoutMs: 2_000 });
      await server.restart();
      const redis = connect(server.url);
      expect(Number(await redis.command(['DBSIZE']))).toBe(0); // everything in Redis is gone
      const second = app(redis, store, { prefix });
      expect((await second.dlq.list()).map((e) => e.id).sort()).toEqual([...ids].sort());
      expect(await second.dlq.size()).toBe(4);
    } finally {
      await server.destroy();
    }
  });

  it('keeps entries in Redis while PostgreSQL is unreachable, reports it once, then forwards each exactly once', async () => {
    const relay = await Relay.create(pgAddress());
    try {
      const direct = await t.store(); // migrates the schema through a working connection
      const store = await t.store({ schema: direct.schema, url: relay.url, migrate: false });
      const a = app(connect(), store);
      const reports: unknown[] = [];
      a.on('workerError', (e) => {
        if (e.where === 'dlq-store') reports.push(e.error);
      });
      void a.createWorker({ blockMs: 200 }).run();
      const ids = await deadLetter(a, 5);
      await waitUntil(() => reports.length > 0, 'the condition', 20_000);
      // Nothing acked away: all five wait in Redis; the API says the store is down.
      expect(await a.dlq.pending()).toBe(5);
      await expect(a.dlq.list()).rejects.toThrow(/Dead-letter store/);
      // More failures while it is down are not reported again.
      const more = await deadLetter(a, 2);
      expect(await a.dlq.pending()).toBe(7);
      await relay.open();
      await waitUntil(async () => (await a.dlq.pending()) === 0, 'the condition', 30_000);
      expect(reports).toHaveLength(1);
      const rows = await t.sql<{ id: string; n: string }>(
        `SELECT id, count(*) AS n FROM "${direct.schema}".dead_letters GROUP BY id`,
      );
      expect(rows.map((r) => r.id).sort()).toEqual([...ids, ...more].sort());
      expect(rows.every((r) => r.n === '1')).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it('a forward interrupted between the SQL commit and the Redis delete adds no duplicate', async () => {
    const store = await t.store();
    const a = app(connect(), store);
    void a.createWorker({ blockMs: 200 }).run();
    const [id] = await deadLetter(a, 1);
    await forwarded(a, store, 1);
    // Put the entry back in Redis as if the delete never happened, and forward again.
    const entry = await store.get(id as string);
    await a.redis.command(['HSET', a.keys.dlqData, id as string, JSON.stringify(entry?.record)], {
      key: a.keys.dlqData,
    });
    await a.redis.command(['ZADD', a.keys.dlq, Date.now(), id as string], { key: a.keys.dlq });
    expect(await a.dlq.pending()).toBe(1);
    await a.dlq.forward();
    expect(await a.dlq.pending()).toBe(0);
    expect(await store.size({ replayed: 'all' })).toBe(1);
  });

  it('replays once under two concurrent replays from two processes, on the configured stream', async () => {
    const store = await t.store();
    const prefix = `{${testPrefix('dlqpg')}}`;
    const a = app(connect(), store, { prefix });
    const worker = a.createWorker({ blockMs: 200 });
    void worker.run();
    const [id] = await deadLetter(a, 1);
    await worker.close({ timeoutMs: 2_000 });
    const config = { tasks: { Doomed: { priority: Priority.REALTIME } } };
    const b = app(connect(), store, { prefix, config });
    const c = app(connect(), store, { prefix, config });
    const results = await Promise.allSettled([b.dlq.replay(id as string), c.dlq.replay(id as string)]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(DeadLetterNotFoundError);
    const realtime = b.keys.stream(Priority.REALTIME, Size.MEDIUM);
    expect(Number(await b.redis.command(['XLEN', realtime], { key: realtime }))).toBe(1);
    const newId = fulfilled[0]?.status === 'fulfilled' ? fulfilled[0].value.id : '';
    expect(await b.dlq.size()).toBe(0);
    const [replayed] = await b.dlq.list({ replayed: true });
    expect(replayed?.replayTaskId).toBe(newId);
    await expect(b.dlq.replay(id as string)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
  });

  it('round-trips hostile arguments (NUL, unpaired surrogates, astral unicode, 300 kB) through Redis and PostgreSQL', async () => {
    const store = await t.store();
    const a = app(connect(), store);
    void a.createWorker({ blockMs: 200 }).run();
    const args = {
      nul: '\u0000x\u0000',
      lone: '\uDBFF!',
      astral: '𝄞😀',
      big: 'ü'.repeat(300_000),
      list: ['\u0000'],
    };
    const [id] = await deadLetter(a, 1, () => args);
    await waitUntil(async () => (await store.size()) === 1, 'the condition', 20_000);
    const back = await a.dlq.get(id as string);
    expect(back?.args).toEqual(args);
    const handle = await a.dlq.replay(id as string);
    await expect(handle.result({ timeoutMs: 20_000 })).rejects.toThrow(/doomed/);
    await waitUntil(async () => (await a.dlq.size()) === 1, 'the condition', 20_000);
    expect((await a.dlq.get(handle.id))?.args).toEqual(args);
  });
});
