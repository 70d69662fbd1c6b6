// Hostile input in Redis itself: malformed stream entries, bad delayed members and keys of
// the wrong type. Each must end as a clear error or a DLQ entry — never a crashed worker and
// never a silent loss — and the worker must keep running tasks afterwards.
import { randomUUID } from 'node:crypto';
import { Priority, Size, type TaskApp, type Worker } from '@tasks/core';
import type { RedisAdapter } from '@tasks/redis';
import { startRedisServer, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { EchoTask } from '../src/tasks.js';
import { check, eventually } from './support/checks.js';
import { faultApp } from './support/load.js';
import { adapterFor } from '../src/connect.js';

const FILE = '6-hostile-entries';

describe('hostile entries and keys of the wrong type', () => {
  let server: RedisServer;
  let redis: RedisAdapter;
  let app: TaskApp;
  let worker: Worker;
  let crashed: unknown = null;
  const errors: Array<{ where: string; message: string }> = [];
  let canaries = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = adapterFor(server.url);
    app = faultApp(redis, 'hostile-entries').app;
    app.on('workerError', ({ where, error }) =>
      errors.push({ where, message: error instanceof Error ? error.message : String(error) }),
    );
    worker = app.createWorker({ blockMs: 100, idleTimeoutMs: 500 });
    worker.run().catch((error: unknown) => (crashed = error));
  });
  afterAll(async () => {
    await worker?.close({ timeoutMs: 2_000 });
    await redis?.close();
    await server?.destroy();
  });

  const stream = (): string => app.keys.stream(Priority.NORMAL, Size.MEDIUM);
  const xadd = async (...fields: Array<string | Buffer>): Promise<string> =>
    String(await redis.command(['XADD', stream(), '*', ...fields], { key: stream() }));
  /** The worker is alive and still runs a fresh task to the end. */
  const canary = async (): Promise<void> => {
    expect(crashed).toBeNull();
    const n = ++canaries;
    expect(await (await app.submit(new EchoTask({ canary: n }))).result({ timeoutMs: 15_000 })).toEqual({
      canary: n,
    });
  };
  const deadLettered = async (id: string): Promise<string> => {
    await eventually(`DLQ entry ${id}`, async () => (await app.dlq.get(id)) !== null);
    await canary();
    const name = id.startsWith('entry:') ? '"entry:<stream id>"' : 'under the task id';
    return `DLQ entry ${name}, reason "${(await app.dlq.get(id))?.reason}"; the worker carries on`;
  };
  const payload = (fields: Record<string, unknown>): string =>
    JSON.stringify({ i: randomUUID(), n: 'FaultEcho', a: {}, t: 0, s: Date.now(), ...fields });

  check(FILE, 'XADD of raw binary garbage', async () =>
    deadLettered(`entry:${await xadd('p', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]))}`),
  );
  check(FILE, 'entry without the payload field (XADD x y)', async () =>
    deadLettered(`entry:${await xadd('x', 'y')}`),
  );
  check(FILE, 'truncated JSON payload', async () => {
    const text = payload({ a: { text: 'cut here' } });
    return deadLettered(`entry:${await xadd('p', text.slice(0, text.length - 9))}`);
  });
  check(FILE, 'JSON payload missing the task name / with a bad attempt', async () => {
    const first = await deadLettered(`entry:${await xadd('p', payload({ n: undefined }))}`);
    await deadLettered(`entry:${await xadd('p', payload({ t: -1 }))}`);
    return first;
  });
  check(FILE, 'payload naming an unregistered task', async () => {
    const id = randomUUID();
    await xadd('p', payload({ i: id, n: 'NoSuchTask' }));
    return deadLettered(id);
  });
  check(FILE, 'prototype pollution keys in a raw payload (__proto__, constructor.prototype)', async () => {
    const id = randomUUID();
    const text =
      `{"i":"${id}","n":"FaultEcho","t":0,"s":1,"__proto__":{"polluted":"top"},` +
      `"a":{"ok":1,"__proto__":{"polluted":"args"},"constructor":{"prototype":{"polluted":"ctor"}}}}`;
    await xadd('p', text);
    const value = await app.handle(id).result({ timeoutMs: 10_000 });
    expect(value).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    return 'forbidden keys dropped at decode: the task ran with {"ok":1}; Object.prototype untouched';
  });
  check(FILE, 'raw 2 MiB entry written past submit (maxPayloadBytes only guards submit)', async () => {
    const id = randomUUID();
    await xadd('p', payload({ i: id, a: { blob: 'x'.repeat(2 * 1024 * 1024) } }));
    const value = (await app.handle(id).result({ timeoutMs: 15_000 })) as { blob: string };
    expect(value.blob).toHaveLength(2 * 1024 * 1024);
    return 'decoded and run (the size limit is enforced at submit, see the args checks)';
  });
  check(FILE, 'delayed member naming no stream ("99|id" with its payload)', async () => {
    const id = randomUUID();
    await redis.command(['HSET', app.keys.delayedData, id, payload({ i: id })], {
      key: app.keys.delayedData,
    });
    await redis.command(['ZADD', app.keys.delayed, 0, `99|${id}`], { key: app.keys.delayed });
    // Its payload is intact: it is queued on the normal/medium stream and runs.
    expect(await app.handle(id).result({ timeoutMs: 10_000 })).toEqual({});
    await canary();
    return 'queued on the normal/medium stream (its payload is intact) and run; the worker carries on';
  });
  check(FILE, 'a string where the delayed ZSET should be', async () => {
    const key = app.keys.delayed;
    const before = errors.length;
    await redis.command(['SET', key, 'not a zset'], { key });
    const delayed = await app.submit(new EchoTask({ late: 1 }), { delayMs: 10 }).catch((e: unknown) => e);
    expect(String(delayed)).toMatch(/WRONGTYPE/);
    await eventually('a reported promote error', async () =>
      errors.slice(before).some((e) => e.where === 'promote'),
    );
    await canary();
    await redis.command(['DEL', key], { key });
    const handle = await app.submit(new EchoTask({ late: 2 }), { delayMs: 10 });
    expect(await handle.result({ timeoutMs: 10_000 })).toEqual({ late: 2 });
    return `submit with a delay rejects (${String(delayed).slice(0, 70)}…); promotion reports "promote" errors; immediate tasks still run; after DEL delayed tasks run again`;
  });
  check(FILE, 'a string where a stream should be (normal/medium)', async () => {
    const key = stream();
    const before = errors.length;
    await redis.command(['DEL', key], { key });
    await redis.command(['SET', key, 'not a stream'], { key });
    const submitted = await app.submit(new EchoTask({ into: 'bad stream' })).catch((e: unknown) => e);
    expect(String(submitted)).toMatch(/WRONGTYPE/);
    await eventually('a reported fetch error', async () =>
      errors.slice(before).some((e) => e.where.startsWith('fetch')),
    );
    await redis.command(['DEL', key], { key });
    await canary();
    return 'submit rejects with WRONGTYPE; the medium fetch loop reports errors and backs off; after DEL the group is recreated and tasks run';
  });
  check(FILE, 'a string where the DLQ ZSET should be, while an undecodable entry arrives', async () => {
    const key = app.keys.dlq;
    const before = errors.length;
    await redis.command(['SET', key, 'not a zset'], { key });
    const id = `entry:${await xadd('p', 'garbage while the DLQ is broken')}`;
    await eventually('a reported process error', async () =>
      errors.slice(before).some((e) => e.where === 'process'),
    );
    const pending = (await redis.command(['XPENDING', stream(), app.keys.group], { key: stream() })) as [
      number,
    ];
    expect(Number(pending[0])).toBeGreaterThanOrEqual(1); // kept, not acked
    await redis.command(['DEL', key], { key });
    return `kept pending (not acked) while the DLQ was unusable; after the repair: ${await deadLettered(id)}`;
  });
  check(
    FILE,
    'regression 2: a string where the workers registry HASH should be does not stop reclaiming',
    async () => {
      const key = app.keys.workers;
      const id = randomUUID();
      // A delivery owned by a dead consumer ("ghost"), taken atomically so no live worker sees it.
      await redis.command(
        [
          'EVAL',
          "local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[1]) redis.call('XREADGROUP', 'GROUP', ARGV[2], 'ghost', 'COUNT', 1, 'STREAMS', KEYS[1], '>') return id",
          1,
          stream(),
          payload({ i: id, a: { ghost: true } }),
          app.keys.group,
        ],
        { key: stream() },
      );
      await redis.command(['DEL', key], { key });
      await redis.command(['SET', key, 'not a hash'], { key });
      // idleTimeoutMs is 500 ms: a dead consumer's entry should be reclaimed within a few seconds.
      const ran = (timeoutMs: number): Promise<boolean> =>
        app
          .handle(id)
          .result({ timeoutMs })
          .then(
            () => true,
            () => false,
          );
      const whileBroken = await ran(6_000);
      await redis.command(['DEL', key], { key });
      const afterRepair = await ran(10_000);
      expect({ whileBroken, afterRepair }).toEqual({ whileBroken: true, afterRepair: true });
      return 'reclaimed and run although the heartbeat record could not be written';
    },
    "a dead consumer's entry is not reclaimed while the registry is broken (6 s, idle timeout 0.5 s), and is right after it is repaired: the failing HSET aborts the maintenance pass before reclaim",
  );

  check(
    FILE,
    'regression 3: a string where a stream should be does not stop a worker at start',
    async () => {
      const other = faultApp(redis, 'hostile-start').app;
      const key = other.keys.stream(Priority.BACKGROUND, Size.LARGE);
      await redis.command(['SET', key, 'not a stream'], { key });
      const late = other.createWorker({ blockMs: 100 });
      const outcome = await Promise.race([
        late.run().then(
          () => 'stopped',
          (error: unknown) => `run() rejected: ${String(error).slice(0, 90)}`,
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('running'), 1_500)),
      ]);
      try {
        // Expected: the bad key is reported and its size retried; the other 8 streams are served.
        expect(outcome).toBe('running');
        expect(await (await other.submit(new EchoTask({ start: 1 }))).result({ timeoutMs: 5_000 })).toEqual({
          start: 1,
        });
      } finally {
        await late.close({ timeoutMs: 1_000 });
        await redis.command(['DEL', key], { key });
      }
      return 'the worker starts, reports the bad key and serves the other streams';
    },
    'worker.run() rejects at start (XGROUP CREATE WRONGTYPE) and no stream is served; with `void worker.run()` that is an unhandled rejection',
  );
});
